"""Requests to change data, spotted before any SQL is written; questions are not."""

from __future__ import annotations

import pytest

from askwell.sql.intent import asks_to_change_data


@pytest.mark.parametrize(
    "request_text",
    [
        "Delete the cancelled orders.",
        "please update the price of product 7",
        "Raise every salary by 5%.",
        "Mark order 42 as delivered",
        "The discontinued products are just clutter, get rid of them from the catalogue for me.",
        "Those invoices are wrong; set their total to 0.",
        "Can you remove the customers who have no email address?",
        "I want to change the status of order 3",
        "UPDATE employees SET salary = 0",
        "Supprimez les commandes annulées",
    ],
)
def test_requests_to_change_data(request_text: str) -> None:
    assert asks_to_change_data(request_text)


@pytest.mark.parametrize(
    "question",
    [
        "How many orders were cancelled?",
        "Which employees got a raise in 2023?",
        "What would salaries be if we raised them by 5%?",
        "Set of products with no sales?",
        "Increase in sales per year",
        "Show the change in revenue per year",
        "Which orders were marked as delivered?",
        "List the products, then sort them by price",
        "How many people did we hire in 2023?",
    ],
)
def test_questions_about_data(question: str) -> None:
    assert not asks_to_change_data(question)
