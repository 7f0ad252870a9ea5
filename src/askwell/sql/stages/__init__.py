"""The SQL kind's stages: spot write requests, route the question, then the SQL route.

understand -> route (documents or database) -> write SQL -> run it -> chart -> answer.
"""
