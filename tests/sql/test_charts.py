"""Chart choice from a result's shape: one test per rule of askwell.sql.charts, then invariants."""

from __future__ import annotations

import json
import random
from typing import Any

import pytest

from askwell.sql import charts
from askwell.sql.charts import choose_visualization
from askwell.sql.stages.answer import selects_some

PIE_LIKE = {"pie", "donut", "polarArea", "radialBar", "treemap"}


def _data_points(viz: dict[str, Any]) -> list[Any]:
    """Every value the contract says must be a JSON number."""
    if viz["viz_type"] in ("pie", "donut", "polarArea", "radialBar", "kpi"):
        return list(viz["series"])
    if viz["viz_type"] == "treemap":
        return [point["y"] for s in viz["series"] for point in s["data"]]
    return [value for s in viz["series"] for value in s["data"]]


def _named(n: int, value: float = 10.0) -> list[list[Any]]:
    return [[f"Item {i:03d}", value + i] for i in range(n)]


# -- rule 1: empty results, the row cap ---------------------------------------------------------


@pytest.mark.parametrize(
    ("columns", "rows"),
    [([], []), (["n"], []), ([], [[1]]), (["a", "b"], [["x"]])],
    ids=["nothing", "no-rows", "no-columns", "ragged-row"],
)
def test_empty_or_malformed_result_is_table_only(columns: list[str], rows: list[list[Any]]) -> None:
    assert choose_visualization(columns, rows) is None


def test_only_the_first_rows_are_charted_and_counted() -> None:
    rows = [[f"{2000 + i // 12}-{i % 12 + 1:02d}", i] for i in range(charts.MAX_ROWS + 500)]
    viz = choose_visualization(["month", "n"], rows)
    assert viz is not None
    assert viz["rows_used"] == charts.MAX_ROWS
    assert len(viz["categories"]) == charts.MAX_ROWS
    assert viz["series"][0]["data"][-1] == charts.MAX_ROWS - 1


# -- rule 2: wide text ----------------------------------------------------------------------


def test_wide_text_listing_is_table_only() -> None:
    columns = ["FirstName", "LastName", "Company", "Address", "City", "State", "Country", "Total"]
    rows = [[f"{c}{i}" for c in columns[:-1]] + [i] for i in range(5)]
    assert choose_visualization(columns, rows) is None


# -- rule 3: no measure -----------------------------------------------------------------------


def test_text_only_result_is_table_only() -> None:
    assert choose_visualization(["Name"], [["AC/DC"], ["Accept"]]) is None


def test_numbers_without_a_label_column_are_table_only() -> None:
    rows = [[343719, 11170334], [342562, 5510424], [230619, 3990994]]
    assert choose_visualization(["Milliseconds", "Bytes"], rows) is None


# -- rule 4: one row -> kpi --------------------------------------------------------------------


def test_one_number_is_a_kpi() -> None:
    viz = choose_visualization(["Revenue"], [[2328.6]], title="Total revenue")
    assert viz == {
        "viz_type": "kpi",
        "title": "Total revenue",
        "series": [2328.6],
        "labels": ["Revenue"],
        "rows_used": 1,
    }


def test_one_row_of_several_measures_is_one_card_each() -> None:
    viz = choose_visualization(["Tracks", "Hours"], [[3503, 381.1]])
    assert viz is not None
    assert (viz["viz_type"], viz["series"], viz["labels"]) == ("kpi", [3503, 381.1], ["Tracks", "Hours"])


def test_one_row_with_a_label_names_the_card() -> None:
    viz = choose_visualization(["Country", "Revenue"], [["USA", 523.06]])
    assert viz is not None
    assert (viz["viz_type"], viz["series"], viz["labels"]) == ("kpi", [523.06], ["Revenue (USA)"])


def test_one_row_null_or_record_like_is_table_only() -> None:
    assert choose_visualization(["Revenue"], [[None]]) is None
    assert (
        choose_visualization(["First", "Last", "City", "Total"], [["Frank", "Harris", "Mountain View", 3]])
        is None
    )


# -- rule 5: time -> line -------------------------------------------------------------------------


def test_iso_dates_make_a_line_sorted_by_time() -> None:
    rows = [["2009-03-01", 3], ["2009-01-01", 1], ["2009-02-01", 2]]
    viz = choose_visualization(["InvoiceDate", "Total"], rows)
    assert viz is not None
    assert viz["viz_type"] == "line"
    assert viz["categories"] == ["2009-01-01", "2009-02-01", "2009-03-01"]
    assert viz["series"] == [{"name": "Total", "data": [1, 2, 3]}]


def test_midnight_datetimes_read_as_dates_and_real_times_are_kept() -> None:
    midnight = choose_visualization(["d", "n"], [["2009-01-02T00:00:00", 1], ["2009-01-01 00:00:00", 2]])
    assert midnight is not None and midnight["categories"] == ["2009-01-01", "2009-01-02"]
    timed = choose_visualization(["d", "n"], [["2009-01-01 10:30:00", 1], ["2009-01-01 00:00:00", 2]])
    assert timed is not None and timed["categories"] == ["2009-01-01 00:00:00", "2009-01-01 10:30:00"]


def test_year_month_and_quarter_strings_are_temporal() -> None:
    months = choose_visualization(["Period", "Revenue"], [["2009-02", 5.0], ["2009-01", 4.0]])
    assert months is not None and (months["viz_type"], months["categories"]) == (
        "line",
        ["2009-01", "2009-02"],
    )
    quarters = choose_visualization(["q", "Revenue"], [["2009-Q2", 5.0], ["2009-Q1", 4.0]])
    assert quarters is not None and quarters["categories"] == ["2009-Q1", "2009-Q2"]


def test_year_named_columns_are_temporal_as_numbers_or_strftime_text() -> None:
    text = choose_visualization(["Year", "Revenue"], [["2010", 481.45], ["2009", 449.46]])
    number = choose_visualization(["InvoiceYear", "Revenue"], [[2010, 481.45], [2009, 449.46]])
    for viz in (text, number):
        assert viz is not None
        assert (viz["viz_type"], viz["categories"]) == ("line", ["2009", "2010"])
        assert viz["series"][0]["data"] == [449.46, 481.45]


def test_time_named_column_out_of_range_is_a_measure() -> None:
    viz = choose_visualization(["Genre", "tracks_per_year"], [["Rock", 12], ["Jazz", 7]])
    assert viz is not None and viz["viz_type"] == "pie" and viz["series"] == [12, 7]


def test_month_alone_is_a_numeric_axis() -> None:
    viz = choose_visualization(["month", "n"], [["11", 4], ["02", 7], ["1", 2]])
    assert viz is not None and (viz["viz_type"], viz["categories"]) == ("line", ["1", "2", "11"])


def test_year_and_month_columns_make_one_axis() -> None:
    rows = [[2010, 1, 3], [2009, 12, 2], [2009, 1, 1]]
    viz = choose_visualization(["year", "month", "Revenue"], rows)
    assert viz is not None
    assert viz["categories"] == ["2009-01", "2009-12", "2010-01"]
    assert viz["series"] == [{"name": "Revenue", "data": [1, 2, 3]}]


def test_several_measures_over_time_are_a_multi_series_line() -> None:
    rows = [["2008", 83, 481.45], ["2007", 83, 449.46]]
    viz = choose_visualization(["Year", "Invoices", "Revenue"], rows)
    assert viz is not None
    assert viz["viz_type"] == "line"
    assert viz["series"] == [
        {"name": "Invoices", "data": [83, 83]},
        {"name": "Revenue", "data": [449.46, 481.45]},
    ]


def test_time_category_and_measure_pivot_into_one_line_per_category() -> None:
    rows = [["2008", "MPEG", 10], ["2007", "MPEG", 9], ["2007", "AAC", 1]]
    viz = choose_visualization(["Year", "MediaType", "Revenue"], rows)
    assert viz is not None
    assert viz["viz_type"] == "line"
    assert viz["categories"] == ["2007", "2008"]
    assert viz["series"] == [{"name": "MPEG", "data": [9, 10]}, {"name": "AAC", "data": [1, 0]}]


def test_repeated_times_are_table_only() -> None:
    rows = [["2009-01-01", 1.98], ["2009-01-01", 3.96], ["2009-01-02", 5.94]]
    assert choose_visualization(["InvoiceDate", "Total"], rows) is None


def test_rows_without_a_time_are_left_out_of_the_line() -> None:
    viz = choose_visualization(["d", "n"], [["2009-01-01", 1], [None, 9], ["2009-01-02", 2]])
    assert viz is not None and viz["categories"] == ["2009-01-01", "2009-01-02"]
    assert viz["series"][0]["data"] == [1, 2]


def test_too_many_lines_are_table_only() -> None:
    rows = [["2009", f"Genre {i}", i] for i in range(charts.MAX_SERIES + 1)]
    rows += [["2010", f"Genre {i}", i] for i in range(charts.MAX_SERIES + 1)]
    assert choose_visualization(["Year", "Genre", "Revenue"], rows) is None


# -- rule 6: one category + one measure -----------------------------------------------------------


@pytest.mark.parametrize(
    ("n", "viz_type"),
    [
        (2, "pie"),
        (charts.PIE_MAX, "pie"),
        (charts.PIE_MAX + 1, "donut"),
        (charts.DONUT_MAX, "donut"),
        (charts.DONUT_MAX + 1, "bar"),
        (charts.BAR_MAX, "bar"),
        (charts.BAR_MAX + 1, "treemap"),
        (charts.TREEMAP_MAX, "treemap"),
    ],
)
def test_category_count_picks_pie_donut_bar_or_treemap(n: int, viz_type: str) -> None:
    viz = choose_visualization(["Country", "Revenue"], _named(n))
    assert viz is not None and viz["viz_type"] == viz_type


def test_pie_and_treemap_shapes() -> None:
    pie = choose_visualization(["Genre", "Tracks"], [["Rock", 1297], ["Latin", 579]])
    assert pie == {
        "viz_type": "pie",
        "title": "",
        "series": [1297, 579],
        "labels": ["Rock", "Latin"],
        "rows_used": 2,
    }
    treemap = choose_visualization(["Artist", "Albums"], _named(charts.BAR_MAX + 1, 1))
    assert treemap is not None
    assert treemap["series"][0]["name"] == "Albums"
    assert treemap["series"][0]["data"][:2] == [{"x": "Item 000", "y": 1}, {"x": "Item 001", "y": 2}]
    assert "labels" not in treemap and "categories" not in treemap


def test_bar_shape_keeps_the_query_order() -> None:
    rows = [[f"C{i}", 100 - i] for i in range(10)][::-1]
    viz = choose_visualization(["Country", "Revenue"], rows)
    assert viz is not None
    assert viz["categories"] == [f"C{i}" for i in range(9, -1, -1)]
    assert viz["series"] == [{"name": "Revenue", "data": [100 - i for i in range(9, -1, -1)]}]


def test_too_many_categories_are_table_only() -> None:
    assert choose_visualization(["Track", "Plays"], _named(charts.TREEMAP_MAX + 1)) is None


def test_negative_values_never_go_into_pie_like_charts() -> None:
    few = choose_visualization(["Country", "Growth"], [["USA", 5.0], ["Canada", -2.0]])
    assert few is not None and few["viz_type"] == "bar"
    many = [[f"Item {i}", i - 5] for i in range(charts.BAR_MAX + 1)]
    assert choose_visualization(["Country", "Growth"], many) is None


def test_averages_are_bars_not_pies() -> None:
    viz = choose_visualization(["Genre", "AvgMinutes"], [["Rock", 4.7], ["Jazz", 4.9]])
    assert viz is not None and viz["viz_type"] == "bar"
    assert choose_visualization(["Track", "avg_ms"], _named(charts.BAR_MAX + 1)) is None


def test_all_zero_values_are_a_bar() -> None:
    viz = choose_visualization(["Genre", "Sales"], [["Rock", 0], ["Jazz", 0]])
    assert viz is not None and viz["viz_type"] == "bar"


def test_repeated_categories_are_table_only() -> None:
    rows = [["Germany", 1.98], ["Norway", 3.96], ["Germany", 5.94]]
    assert choose_visualization(["BillingCountry", "Total"], rows) is None


def test_long_text_labels_are_table_only() -> None:
    rows = [["word " * 20 + str(i), i + 1] for i in range(3)]
    assert choose_visualization(["Comment", "Votes"], rows) is None


# -- rule 7: one category + several measures ------------------------------------------------------


def test_one_category_and_several_measures_is_a_multi_series_bar() -> None:
    rows = [["USA", 13, 523.06], ["Canada", 8, 303.96]]
    viz = choose_visualization(["Country", "Customers", "Revenue"], rows)
    assert viz is not None
    assert viz["viz_type"] == "bar"
    assert viz["categories"] == ["USA", "Canada"]
    assert viz["series"] == [
        {"name": "Customers", "data": [13, 8]},
        {"name": "Revenue", "data": [523.06, 303.96]},
    ]


def test_multi_series_bar_with_too_many_categories_is_table_only() -> None:
    rows = [[f"C{i}", i, i * 2] for i in range(charts.BAR_MAX + 1)]
    assert choose_visualization(["Country", "Customers", "Revenue"], rows) is None


# -- rule 8: two categories + one measure -> pivot ------------------------------------------------


def test_two_categories_and_a_measure_pivot_with_zero_for_missing_pairs() -> None:
    rows = [["USA", "Rock", 10], ["USA", "Jazz", 2], ["Canada", "Rock", 7]]
    viz = choose_visualization(["Country", "Genre", "Tracks"], rows)
    assert viz is not None
    assert viz["viz_type"] == "bar"
    assert viz["categories"] == ["USA", "Canada"]
    assert viz["series"] == [{"name": "Rock", "data": [10, 7]}, {"name": "Jazz", "data": [2, 0]}]


def test_pivot_swaps_when_the_second_category_has_too_many_values() -> None:
    rows = [[kind, f"Genre {g}", g] for kind in ("Audio", "Video") for g in range(charts.MAX_SERIES + 2)]
    viz = choose_visualization(["Kind", "Genre", "Tracks"], rows)
    assert viz is not None
    assert len(viz["categories"]) == charts.MAX_SERIES + 2
    assert [s["name"] for s in viz["series"]] == ["Audio", "Video"]


def test_pivot_of_unaggregated_rows_is_table_only() -> None:
    rows = [["USA", "Rock", 1], ["USA", "Rock", 2], ["Canada", "Jazz", 1]]
    assert choose_visualization(["Country", "Genre", "Tracks"], rows) is None


# -- rule 9: anything else ------------------------------------------------------------------------


def test_three_categories_are_table_only() -> None:
    rows = [["USA", "Rock", "MPEG", 1], ["Canada", "Jazz", "AAC", 2]]
    assert choose_visualization(["Country", "Genre", "Media", "Tracks"], rows) is None


# -- column roles -------------------------------------------------------------------------------


def test_id_columns_are_never_measures() -> None:
    viz = choose_visualization(["AlbumId", "Tracks"], [[1, 10], [2, 14], [3, 8]])
    assert viz is not None
    assert (viz["viz_type"], viz["labels"], viz["series"]) == ("pie", ["1", "2", "3"], [10, 14, 8])
    for name in ("customer_id", "ID", "CustomerID", "track_uuid"):
        viz = choose_visualization([name, "Total"], [[5, 1.0], [3, 2.0]])
        assert viz is not None and viz["labels"] == ["5", "3"], name


def test_id_columns_give_way_to_a_text_label() -> None:
    rows = [[22, "Led Zeppelin", 14], [58, "Deep Purple", 11]]
    viz = choose_visualization(["ArtistId", "Name", "Albums"], rows)
    assert viz is not None
    assert (viz["viz_type"], viz["labels"], viz["series"]) == (
        "pie",
        ["Led Zeppelin", "Deep Purple"],
        [14, 11],
    )


def test_a_first_column_of_increasing_integers_labels_the_rows() -> None:
    viz = choose_visualization(["Quantity", "Lines"], [[1, 2000], [2, 240]])
    assert viz is not None and (viz["viz_type"], viz["labels"]) == ("pie", ["1", "2"])
    unsorted = choose_visualization(["Quantity", "Lines"], [[2, 240], [1, 2000]])
    assert unsorted is None  # two plain measures: no label column


def test_booleans_are_categories_not_numbers() -> None:
    viz = choose_visualization(["Explicit", "Tracks"], [[True, 3], [False, 5]])
    assert viz is not None and (viz["labels"], viz["series"]) == (["true", "false"], [3, 5])


def test_null_and_constant_columns_are_ignored() -> None:
    rows = [["USA", None, "Rock", 10], ["USA", None, "Jazz", 4]]
    viz = choose_visualization(["Country", "Notes", "Genre", "Tracks"], rows)
    assert viz is not None and (viz["viz_type"], viz["labels"]) == ("pie", ["Rock", "Jazz"])


def test_null_measures_are_zero_and_null_categories_are_labelled() -> None:
    viz = choose_visualization(["State", "Customers"], [["CA", 3], [None, 29], ["WA", None]])
    assert viz is not None
    assert viz["labels"] == ["CA", charts.NULL_LABEL, "WA"]
    assert viz["series"] == [3, 29, 0]


def test_title_is_passed_through() -> None:
    viz = choose_visualization(["Genre", "Tracks"], [["Rock", 3], ["Jazz", 1]], title="Tracks per genre")
    assert viz is not None and viz["title"] == "Tracks per genre"


# -- invariants over many shapes ----------------------------------------------------------------


def _random_results(seed: int, count: int) -> list[tuple[list[str], list[list[Any]]]]:
    rng = random.Random(seed)
    makers = {
        "text": lambda i: rng.choice(["Rock", "Jazz", "Pop", "Metal", None, f"x{i}"]),
        "int": lambda i: rng.randint(-50, 500),
        "float": lambda i: round(rng.uniform(-10, 1000), 2),
        "nonneg": lambda i: rng.choice([0, 1, 2.5, 10, 99.99, None]),
        "date": lambda i: f"20{rng.randint(0, 20):02d}-{rng.randint(1, 12):02d}-01",
        "year": lambda i: str(rng.randint(2005, 2012)),
        "id": lambda i: i,
        "bool": lambda i: rng.random() < 0.5,
    }
    names = {
        "text": "Name",
        "int": "Delta",
        "float": "Amount",
        "nonneg": "Sales",
        "date": "Day",
        "year": "Year",
    }
    names |= {"id": "TrackId", "bool": "Flag"}
    results = []
    for _ in range(count):
        kinds = [rng.choice(list(makers)) for _ in range(rng.randint(1, 4))]
        columns = [f"{names[k]}{i}" if i else names[k] for i, k in enumerate(kinds)]
        rows = [[makers[k](r) for k in kinds] for r in range(rng.choice([1, 2, 3, 6, 9, 40]))]
        results.append((columns, rows))
    return results


RESULTS = _random_results(seed=7, count=600)


def test_numbers_are_never_strings() -> None:
    charted = 0
    for columns, rows in RESULTS:
        viz = choose_visualization(columns, rows)
        if viz is None:
            continue
        charted += 1
        for value in _data_points(viz):
            assert isinstance(value, int | float) and not isinstance(value, bool), (columns, rows, viz)
    assert charted > 50  # the generator does reach the chart rules


def test_negatives_never_in_pie_like_charts() -> None:
    for columns, rows in RESULTS:
        viz = choose_visualization(columns, rows)
        if viz is not None and viz["viz_type"] in PIE_LIKE:
            assert all(v >= 0 for v in _data_points(viz)), (columns, rows, viz)


def test_cartesian_series_match_their_categories() -> None:
    for columns, rows in RESULTS:
        viz = choose_visualization(columns, rows)
        if viz is not None and viz["viz_type"] in ("bar", "line"):
            assert all(len(s["data"]) == len(viz["categories"]) for s in viz["series"])
            assert all(isinstance(c, str) for c in viz["categories"])


def test_same_input_same_output() -> None:
    for columns, rows in RESULTS[:200]:
        first = json.dumps(choose_visualization(columns, rows))
        again = json.dumps(choose_visualization(list(columns), [list(r) for r in rows]))
        assert first == again


def test_input_rows_are_not_modified() -> None:
    rows = [["2009-02", "Rock", 1], ["2009-01", "Jazz", 2]]
    snapshot = json.dumps(rows)
    choose_visualization(["Month", "Genre", "n"], rows)
    assert json.dumps(rows) == snapshot


def test_a_ranking_is_drawn_as_bars_and_a_whole_as_a_pie() -> None:
    top = [["Rock", 1297], ["Latin", 579], ["Metal", 374], ["Alternative & Punk", 332], ["Jazz", 130]]
    ranked = choose_visualization(["Genre", "Tracks"], top, whole=False)
    assert ranked is not None and ranked["viz_type"] == "bar"  # five of 25 are no whole
    assert ranked["categories"] == [g for g, _ in top]
    assert choose_visualization(["Genre", "Tracks"], top)["viz_type"] == "pie"  # type: ignore[index]
    # The top five and the rest together are a whole again.
    with_rest = choose_visualization(["Genre", "Tracks"], [*top, ["Other", 791]], whole=False)
    assert with_rest is not None and with_rest["viz_type"] == "donut"
    many = choose_visualization(["Artist", "Albums"], _named(charts.BAR_MAX + 1, 1), whole=False)
    assert many is None  # a treemap is parts of a whole too; too many bars for a bar chart


@pytest.mark.parametrize(
    ("sql", "some"),
    [
        (
            "SELECT g.Name, COUNT(*) FROM Track t JOIN Genre g USING (GenreId) "
            "GROUP BY 1 ORDER BY 2 DESC LIMIT 5",
            True,
        ),
        (
            "SELECT Name FROM Genre WHERE GenreId IN "
            "(SELECT GenreId FROM Track GROUP BY 1 ORDER BY COUNT(*) DESC LIMIT 3)",
            True,
        ),
        ("SELECT BillingCountry, SUM(Total) FROM Invoice GROUP BY 1", False),
        ("SELECT * FROM t WHERE (", True),  # unparsed: a bar misleads less
    ],
)
def test_a_query_that_keeps_some_rows_is_no_whole(sql: str, some: bool) -> None:
    assert selects_some(sql, "sqlite") is some
