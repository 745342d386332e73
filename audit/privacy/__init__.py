"""Privacy: how long personal data is kept, and erasing a person on request.

- :mod:`.retention`: ``retention apply`` and the daily ``retention`` job delete the
  photos, free text and personal data older than the retention settings
  (``retention_*_days`` in :mod:`audit.settings`).
- :mod:`.erasure`: ``erase user``, ``erase staff`` and the administrator's button replace
  a person's identity everywhere by a stable pseudonym, keeping every score and figure.
- :mod:`.rewrite`: finding and replacing a person's name, e-mail and code in text and
  JSON (the generic part of an erasure), and :mod:`.free_text`: the columns it sweeps.

docs/privacy.md tells operators what each setting covers and what an erasure keeps.
"""
