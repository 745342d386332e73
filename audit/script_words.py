"""The words the page's scripts write (static/js/*.js), in the page's language.

A script cannot call gettext, so base.html hands every page these words once, as a JSON
block (``<script type="application/json" id="script-words">``) that static/js/words.js
reads: ``words("saved", {time: "14:05"})``. ``{name}`` in a text is a placeholder the
script fills in. The service worker cannot read a page: the visit form sends it the
words of its offline page (static/js/sw.js).
"""

from __future__ import annotations

from flask_babel import LazyString, get_translations
from flask_babel import lazy_gettext as _l

__all__ = ["SCRIPT_WORDS", "script_words"]

SCRIPT_WORDS: dict[str, LazyString] = {
    # the visit form (visit_form.js)
    "findingYou": _l("Finding where you are…"),
    "commentNeeded": _l("Add a comment: this answer earns less than full points"),
    "keptHere": _l("Kept on this phone"),
    "keptServerBusy": _l("Kept on this phone · the server is busy"),
    "signedOutBanner": _l(
        "You are signed out. Sign in again: your answers are kept on this phone."
    ),
    "signInAgain": _l("Sign in again"),
    "offlineBanner": _l(
        "You are offline. Keep going: your answers are kept on this phone and will be sent "
        "when the connection is back."
    ),
    "saving": _l("Saving…"),
    "saved": _l("Saved {time}"),
    "notSaved": _l("Not saved yet"),
    "editing": _l("Editing…"),
    "restored": _l("Restored from this phone"),
    "visitClosed": _l("This visit can no longer be changed."),
    "needStarted": _l("Say when your visit started"),
    "needEnded": _l("Say when your visit ended"),
    "needStaff": _l("Say who served you: choose them from the list or describe them"),
    "visitStart": _l("Visit start"),
    "visitEnd": _l("Visit end"),
    "whoServed": _l("Who served you"),
    "needAnswer": _l("Answer this question"),
    "needPhoto": _l("Add a photo"),
    "stillToDo": _l("Still to do before you send ({n})"),
    "readyToSend": _l("Ready to send"),
    "offlineChecklist": _l(
        "You are offline: this list is checked again when your answers reach the server."
    ),
    "allFilledIn": _l(
        "Everything needed is filled in. You can still change any answer before you send."
    ),
    "step": _l("Step {n} of {total} · {title}"),
    "answered": _l("{done} of {total} done"),
    "sendReport": _l("Send my report"),
    "sending": _l("Sending…"),
    "signedOutSend": _l(
        "You are signed out. Sign in again (the button at the top): your answers are kept "
        "on this phone."
    ),
    "offlineSend": _l(
        "You are offline. Your report will be sent as soon as the connection is back; keep "
        "this page open."
    ),
    "waitingConnection": _l("Waiting for a connection…"),
    "stillMissing": _l("A few things are still missing: see the list above."),
    "serverBusy": _l("The server is busy."),
    "sendingAgainIn": _l("Sending again in {seconds} s."),
    "waitingToSend": _l("Waiting to send…"),
    "notSent": _l("The report could not be sent. Try again in a moment."),
    "noConnectionSend": _l(
        "No connection. Your report will be sent as soon as the connection is back; keep "
        "this page open."
    ),
    "keptUntilOnline": _l("Kept on this phone: it will be sent when the connection is back."),
    # photos (photo_resize.js)
    "photo": _l("Photo"),
    "removePhoto": _l("Remove photo"),
    "remove": _l("Remove"),
    "photoWaitSignIn": _l("Waiting: sign in again"),
    "photoWaitRetry": _l("Waiting to try again"),
    "photoWaitConnection": _l("Waiting for a connection"),
    "photoNotStored": _l("The photo could not be stored just now; it will be sent again."),
    "photoNotSent": _l("The photo could not be sent (error {status})."),
    "photoTooBig": _l("This file is {size} MB; photos can be at most {max} MB."),
    "photoNotRemoved": _l("The photo could not be removed."),
    "photoRemoveOffline": _l("No connection: try removing it again when you are back online."),
    # a background report (report_job.js)
    "reportFailed": _l("The report could not be made."),
    "reportFailedBecause": _l("The report could not be made: %(error)s.", error="{error}"),
    # the branches an offer goes to (assignments.js)
    "noBranchChosen": _l("No branch chosen yet."),
    "lockedOutOne": _l(
        "The shopper is locked out of this branch: the offer will be refused unless you "
        "override the lockout."
    ),
    "lockedOutMany": _l(
        "The shopper is locked out of %(locked)s of these branches: the offer will be "
        "refused unless you override the lockout.",
        locked="{locked}",
    ),
    # the service worker's page for a page not kept offline (sw.js)
    "offlineTitle": _l("Offline"),
    "offlinePage": _l(
        "You are offline and this page was not kept on this phone. Go back, or try again "
        "when you have a connection."
    ),
}


def script_words() -> dict[str, str]:
    """The words of :data:`SCRIPT_WORDS` in the reader's language, for base.html."""
    words = {key: str(text) for key, text in SCRIPT_WORDS.items()}
    # Plurals: the language's forms for one and for several, "{n}" standing for the count
    # (read raw: Flask-Babel's ngettext would put the number itself in).
    translations = get_translations()
    for key, num in (("branchesChosenOne", 1), ("branchesChosenMany", 2)):
        form = translations.ngettext(
            "%(num)s branch: one assignment each.", "%(num)s branches: one assignment each.", num
        )
        words[key] = form % {"num": "{n}"}
    return words
