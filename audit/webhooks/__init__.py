"""Webhooks: other systems hear about changes the moment they are committed.

``events.py`` is the catalogue; ``emitting.py`` records a delivery per subscribed
endpoint inside the change's transaction and queues it for after the commit;
``payloads.py`` turns a record into the JSON the API returns for it; ``targets.py``
refuses addresses a webhook must not reach; ``delivery.py`` signs, sends, retries and
pauses; ``service.py`` is the configuration an administrator changes (pages in
``routes.py``, the API in :mod:`audit.api.webhook_routes`, commands in ``cli.py``).
"""
