"""Scheduled reports: a manager's subscription to a branch, region or company PDF, mailed
every week or month to them and the managers they chose.

- :mod:`.periods`: which week or month has just ended (pure);
- :mod:`.service`: making, pausing, deleting a subscription, who may receive it, the
  subscriptions due for a period and claiming one (race-safe);
- :mod:`.unsubscribe`: the signed one-click unsubscribe link;
- :mod:`.mail`: the background task that mails a stored PDF to the recipients.

The PDF itself is made by :mod:`audit.jobs.subscriptions` (a periodic job), which sits
above :mod:`audit.documents`.
"""
