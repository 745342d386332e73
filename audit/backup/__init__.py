"""Backups: ``flask --app wsgi backup create --out DIR`` and ``backup restore DIR``.

A backup is a folder: a consistent dump of the database (``pg_dump`` custom format for
PostgreSQL, the SQLite backup API for SQLite), every stored object under ``files/KEY``,
and ``manifest.json`` listing each with its size and SHA-256 (:mod:`.manifest`). A
restore checks every hash before it touches anything, and goes only into an empty
database and an empty storage, which may be another backend than the one backed up.

- :mod:`.manifest`: what ``manifest.json`` holds, writing it and checking a folder;
- :mod:`.database`: the database's kind, emptiness, revision, dump and restore;
- :mod:`.create`, :mod:`.restore`: the two commands' work; :mod:`.cli`: the commands.
"""
