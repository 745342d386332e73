/* The shopper's visit form (templates/shop/visit.html) and the start buttons.
 *
 * - one section per screen, with progress; show_if applied live;
 * - every change is mirrored at once in localStorage and saved to the server
 *   about 800 ms after typing stops; offline, the page says so, keeps
 *   working and sends the draft when the connection returns;
 * - a reload restores every answer: the copy here wins over the page when it
 *   holds changes the server has not confirmed, or was confirmed after the page
 *   was made (a page kept by the service worker, static/js/sw.js, offline);
 * - an expired session (401 from the server) keeps everything here and says so,
 *   with a link to sign in again that comes back to this form, which restores
 *   and syncs;
 * - the report is sent once: a token made once per visit (kept here) makes a
 *   retried or doubled send one submission on the server;
 * - the counter and the checklist are made from one list: everything the server
 *   will ask for before it takes the report (service.missing_items: the visit's
 *   details, answers, comments on answers below full points, required photos), by
 *   the same rules, joined with what the server last said; "Ready to send" only when
 *   nothing is left. A comment box turns required the moment a short answer is
 *   tapped, and says why; on the last step Send takes the place of Next.
 * Without this script the page is one long form that still posts.
 */
(function () {
  "use strict";

  var SAVE_DELAY = 800;
  var store = window.localStorage;

  function $(sel, root) { return (root || document).querySelector(sel); }
  function $$(sel, root) { return Array.prototype.slice.call((root || document).querySelectorAll(sel)); }
  function readJSON(key) { try { return JSON.parse(store.getItem(key) || "null"); } catch (e) { return null; } }
  function writeJSON(key, value) { try { store.setItem(key, JSON.stringify(value)); } catch (e) { /* full or private mode */ } }

  // --- start a visit: the position, when the shopper agrees ------------------------
  $$("form[data-start]").forEach(function (form) {
    var share = $('[name="share_location"]', form);
    if (share && store.getItem("sa-share-location") === "0") share.checked = false;
    if (share) share.addEventListener("change", function () { store.setItem("sa-share-location", share.checked ? "1" : "0"); });
    form.addEventListener("submit", function (event) {
      var button = $("[data-start-button]", form);
      if (form.dataset.busy) { event.preventDefault(); return; }
      if (!share || !share.checked || !navigator.geolocation) return;
      event.preventDefault();
      form.dataset.busy = "1";
      if (button) { button.disabled = true; button.textContent = words("findingYou"); }
      var done = false;
      function go(pos) {
        if (done) return;
        done = true;
        if (pos) {
          $('[name="lat"]', form).value = pos.coords.latitude;
          $('[name="lng"]', form).value = pos.coords.longitude;
          $('[name="accuracy"]', form).value = Math.round(pos.coords.accuracy || 0);
        }
        form.submit();
      }
      navigator.geolocation.getCurrentPosition(go, function () { go(null); },
        { enableHighAccuracy: true, timeout: 10000, maximumAge: 60000 });
      setTimeout(function () { go(null); }, 12000);
    });
  });

  // --- working offline: the service worker keeps this page and its files ----------------
  var worker = $('meta[name="service-worker"]');
  if (worker && "serviceWorker" in navigator) {
    var controlled = !!navigator.serviceWorker.controller;
    var assets = $$('link[rel="stylesheet"][href], link[rel="icon"][href], script[src]').map(function (el) {
      return el.href || el.src;
    });
    navigator.serviceWorker.addEventListener("message", function (event) {
      if (event.data && event.data.type === "kept") document.documentElement.dataset.offlineReady = "1";
    });
    navigator.serviceWorker.register(worker.content, { scope: worker.content.replace(/[^/]*$/, "") })
      .then(function () { return navigator.serviceWorker.ready; })
      .then(function (registration) {
        registration.active.postMessage({ type: "keep", refresh: !controlled, urls: [location.href.split("#")[0]].concat(assets),
          offline: { lang: document.documentElement.lang, title: words("offlineTitle"), text: words("offlinePage") } });
      })
      .catch(function () { /* no offline copy: the page still works online */ });
  }

  var form = document.getElementById("visit-form");
  if (!form) return;

  // --- the page ------------------------------------------------------------------
  var visitId = form.dataset.visit;
  var KEY = "sa-visit-" + visitId;
  var TOKEN_KEY = KEY + "-token";
  var SECTION_KEY = KEY + "-section";
  var csrfInput = $('[name="csrf_token"]', form);
  var saveStatus = document.getElementById("save-status");
  var banner = document.getElementById("net-banner");
  var sendButton = document.getElementById("submit-button");
  var sendMessage = document.getElementById("send-message");
  var sections = $$(".visit-section", form);
  var boxes = $$("fieldset[data-question]", form).filter(function (b) { return b.dataset.question.charAt(0) !== "@"; });
  var byKey = {};
  boxes.forEach(function (box) { byKey[box.dataset.question] = box; });
  var rules = boxes.filter(function (b) { return b.hasAttribute("data-show-if"); }).map(function (box) {
    var rule = {};
    try { rule = JSON.parse(box.getAttribute("data-show-if")); } catch (e) { /* ignore */ }
    return { box: box, field: rule.field, values: rule.values || [] };
  });
  var controllers = {};
  rules.forEach(function (r) { controllers[r.field] = true; });
  // The comment rule (comment_on_fail): which answers earn full points, per question.
  var fullRules = {};
  boxes.forEach(function (box) {
    if (!box.hasAttribute("data-full")) return;
    try { fullRules[box.dataset.question] = JSON.parse(box.getAttribute("data-full")); } catch (e) { /* no rule */ }
  });
  var COMMENT_NEEDED = words("commentNeeded");

  var rev = 0;            // changes made on this phone
  var savedRev = 0;       // the last change the server has confirmed
  var saving = null;      // the save in flight (a promise)
  var timer = null;
  var retryDelay = 0;
  var retryTimer = null;
  var serverMissing = null; // what the server says is missing, as of savedRev
  var serverProblems = {};  // invalid values, per key
  var reviewing = false;    // the shopper has reached the checklist once
  var sending = false;
  var sendQueued = false;
  var leaving = false;
  var signedOut = false;    // the session ended: answers stay here until the shopper signs in
  var serverSavedAt = form.dataset.savedAt || ""; // the server's time of the draft we hold
  var current = 0;

  form.classList.add("js");

  // --- reading and writing the fields ------------------------------------------------
  function fieldName(key) { return "answer-" + key; }

  function readAnswer(box) {
    var name = fieldName(box.dataset.question);
    var na = form.elements[name + "-na"];
    if (na && na.type === "checkbox" && na.checked) return "na";
    var field = form.elements[name];
    if (!field) return null;
    if (field instanceof RadioNodeList || field.type === "radio") {
      var checked = $$('input[name="' + CSS.escape(name) + '"]', box).filter(function (i) { return i.checked; })[0];
      return checked ? checked.value : null;
    }
    var value = field.value;
    return value.trim() === "" ? null : value;
  }

  function writeAnswer(box, value) {
    var name = fieldName(box.dataset.question);
    var na = form.elements[name + "-na"];
    var inputs = $$('[name="' + CSS.escape(name) + '"]', box);
    if (na && na.type === "checkbox") na.checked = value === "na";
    inputs.forEach(function (input) {
      if (input.type === "radio") {
        input.checked = value !== null && value !== undefined && String(value) === input.value;
      } else {
        input.value = value === null || value === undefined || value === "na" ? "" : value;
        input.disabled = !!(na && na.checked);
      }
    });
  }

  function commentOf(key) { return form.elements[fieldName(key) + "-comment"]; }

  // The visit's times are on the branch's clock (data-timezone), whatever zone the phone
  // is in: the page shows them so, and the server reads a time without an offset so.
  function localInput(value) {
    if (!value) return "";
    if (/^\d{4}-\d\d-\d\dT\d\d:\d\d$/.test(value)) return value;
    var d = new Date(value); // a time with its offset (the server's JSON, an older copy)
    if (isNaN(d)) return "";
    var parts = {};
    new Intl.DateTimeFormat("en-GB", {
      timeZone: form.dataset.timezone || "UTC", hourCycle: "h23",
      year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit"
    }).formatToParts(d).forEach(function (p) { parts[p.type] = p.value; });
    return parts.year + "-" + parts.month + "-" + parts.day + "T" + parts.hour + ":" + parts.minute;
  }
  function isoFromInput(value) {
    return value || ""; // "YYYY-MM-DDTHH:MM", the branch's wall-clock time, sent as typed
  }

  function collect() {
    var state = { answers: {}, comments: {}, staff_ids: [], staff_description: "", started_at: "", ended_at: "" };
    boxes.forEach(function (box) {
      var key = box.dataset.question;
      state.answers[key] = readAnswer(box);
      var comment = commentOf(key);
      if (comment) state.comments[key] = comment.value;
    });
    $$('[name="staff_ids"]', form).forEach(function (c) { if (c.checked) state.staff_ids.push(Number(c.value)); });
    state.staff_description = form.elements.staff_description ? form.elements.staff_description.value : "";
    state.started_at = isoFromInput(form.elements.started_at.value);
    state.ended_at = isoFromInput(form.elements.ended_at.value);
    return state;
  }

  function apply(state) {
    Object.keys(state.answers || {}).forEach(function (key) {
      if (byKey[key]) writeAnswer(byKey[key], state.answers[key]);
    });
    Object.keys(state.comments || {}).forEach(function (key) {
      var comment = commentOf(key);
      if (!comment) return;
      comment.value = state.comments[key] || "";
      var details = comment.closest("details");
      if (details && comment.value) details.open = true;
    });
    if (state.staff_ids) {
      $$('[name="staff_ids"]', form).forEach(function (c) { c.checked = state.staff_ids.indexOf(Number(c.value)) >= 0; });
    }
    if (typeof state.staff_description === "string" && form.elements.staff_description) {
      form.elements.staff_description.value = state.staff_description;
    }
    if (typeof state.started_at === "string") form.elements.started_at.value = localInput(state.started_at);
    if (typeof state.ended_at === "string") form.elements.ended_at.value = localInput(state.ended_at);
    boxes.forEach(showCommentRule);
  }

  // --- the comment rule, live ---------------------------------------------------------
  // A scored answer below full points needs a comment (audit.scorecards.scoring); an
  // N/A, no answer or a value the server refused does not.
  function fallsShort(box) {
    var rule = fullRules[box.dataset.question];
    if (!rule) return false;
    var value = readAnswer(box);
    if (value === null || value === "na") return false;
    if (rule.values) return !rule.values.some(function (v) { return String(v) === String(value).trim(); });
    var n = Number(value);
    if (!isFinite(n)) return false;
    return (rule.min !== null && rule.min !== undefined && n < rule.min) ||
      (rule.max !== null && rule.max !== undefined && n > rule.max);
  }
  function showCommentRule(box) {
    var comment = fullRules[box.dataset.question] && commentOf(box.dataset.question);
    if (!comment) return;
    var short = fallsShort(box);
    var why = $("[data-comment-why]", box);
    var hint = $("[data-comment-hint]", box);
    comment.required = short;
    if (short) {
      comment.setAttribute("aria-required", "true");
      if (why) comment.setAttribute("aria-describedby", why.id);
    } else {
      comment.removeAttribute("aria-required");
      comment.removeAttribute("aria-describedby");
    }
    if (why) why.hidden = !short;
    if (hint) hint.hidden = short;
    var wrap = comment.closest(".question-comment");
    if (wrap) {
      wrap.classList.toggle("comment-required", short);
      // Once something is typed the rule is met: the message stays as a quiet hint.
      wrap.classList.toggle("comment-given", short && comment.value.trim() !== "");
    }
  }

  // --- show_if, live ---------------------------------------------------------------
  function matches(value, wanted) {
    if (value === null || value === "na") return false;
    return wanted.some(function (w) {
      if (typeof w === "number") return value !== "" && Number(value) === w;
      if (typeof w === "boolean") w = w ? "yes" : "no";
      return String(w).toLowerCase() === String(value).toLowerCase();
    });
  }
  function updateVisibility() {
    // Questions come in form order, so one pass also settles chains of conditions.
    rules.forEach(function (rule) {
      var controller = byKey[rule.field.replace(/^answer-/, "")];
      var hidden = !controller || controller.hidden || !matches(readAnswer(controller), rule.values);
      if (rule.box.hidden !== hidden) rule.box.hidden = hidden;
    });
  }

  // --- the copy on this phone --------------------------------------------------------
  // dirty: holds changes the server has not confirmed; saved: the server's time of the
  // last draft it confirmed (compared with the page's own on a reload).
  function keepLocal(dirty) {
    writeJSON(KEY, { state: collect(), dirty: dirty, saved: serverSavedAt, at: new Date().toISOString() });
  }
  function stamp(iso) {
    var t = Date.parse(iso || "");
    return isNaN(t) ? 0 : t;
  }

  // --- talking to the server -----------------------------------------------------------
  function Expired() { this.expired = true; }

  function send(url, options) {
    options = options || {};
    var headers = { "Accept": "application/json", "X-CSRFToken": csrfInput.value };
    if (options.json !== undefined) headers["Content-Type"] = "application/json";
    return fetch(url, {
      method: options.method || "POST",
      credentials: "same-origin",
      redirect: "manual",
      keepalive: !!options.keepalive,
      headers: headers,
      body: options.json !== undefined ? JSON.stringify(options.json) : options.body
    }).then(function (response) {
      if (response.type === "opaqueredirect" || response.status === 401) throw new Expired();
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (response.status === 400 && /csrf/i.test(data.message || "") && !options.retried) {
          return refreshToken().then(function () {
            options.retried = true;
            return send(url, options);
          });
        }
        return { status: response.status, data: data, retryAfter: retryAfter(response) };
      });
    });
  }
  // Seconds the server asked us to wait (503 while its database or storage is away).
  function retryAfter(response) {
    var seconds = parseInt(response.headers.get("Retry-After") || "", 10);
    return isNaN(seconds) ? 0 : Math.min(Math.max(seconds, 1), 300);
  }
  // A CSRF refusal means the session changed: fetch a fresh token, or learn it has expired.
  function refreshToken() {
    return fetch(form.dataset.draftUrl, { credentials: "same-origin", redirect: "manual", headers: { "Accept": "application/json" } })
      .then(function (response) {
        if (response.type === "opaqueredirect" || response.status === 401) throw new Expired();
        if (!response.ok) throw new Error("could not refresh the form's token");
        return response.json();
      }).then(function (data) { if (data.csrf_token) csrfInput.value = data.csrf_token; });
  }
  // The session ended: say so, keep every answer here, offer the way back. Nothing is
  // sent until the shopper has signed in again (here, or in another tab).
  function signedOutNow() {
    if (leaving) return;
    keepLocal(savedRev !== rev);
    setStatus(words("keptHere"));
    if (signedOut) return;
    signedOut = true;
    setBanner(words("signedOutBanner"), "expired");
    var link = document.createElement("a");
    link.href = form.dataset.loginUrl + "?next=" + encodeURIComponent(location.pathname + location.search);
    link.className = "btn btn-light btn-lg w-100 mt-2";
    link.textContent = words("signInAgain");
    link.dataset.signIn = "";
    banner.appendChild(link);
  }
  window.addEventListener("visit:expired", signedOutNow);
  // Back on the page after signing in elsewhere: carry on where it stopped.
  function checkSignedIn() {
    if (!signedOut || leaving || navigator.onLine === false) return;
    refreshToken().then(function () {
      signedOut = false;
      setBanner("");
      window.dispatchEvent(new CustomEvent("visit:signed-in"));
      save();
    }, function () { /* still signed out */ });
  }
  window.addEventListener("focus", checkSignedIn);

  function setStatus(text) { if (saveStatus) saveStatus.textContent = text; }
  function setBanner(text, kind) {
    if (!banner) return;
    banner.hidden = !text;
    banner.textContent = text || "";
    banner.className = "net-banner" + (kind ? " net-banner-" + kind : "");
  }
  function timeText(iso) {
    var d = iso ? new Date(iso) : new Date();
    return d.toLocaleTimeString(document.documentElement.lang || [], { hour: "2-digit", minute: "2-digit" });
  }
  function offline() {
    setBanner(words("offlineBanner"), "offline");
    setStatus(words("keptHere"));
  }

  function scheduleSave(delay) {
    clearTimeout(timer);
    timer = setTimeout(save, delay === undefined ? SAVE_DELAY : delay);
  }
  function retryLater(seconds) {
    clearTimeout(retryTimer);
    retryDelay = seconds ? seconds * 1000 : Math.min(retryDelay ? retryDelay * 2 : 2000, 30000);
    retryTimer = setTimeout(save, retryDelay);
  }

  // Saves everything typed so far; resolves true when the server has all of it.
  function save() {
    clearTimeout(timer);
    if (leaving) return Promise.resolve(false);
    if (signedOut) { setStatus(words("keptHere")); return Promise.resolve(false); }
    if (saving) return saving.then(function () { return savedRev === rev ? true : save(); });
    if (savedRev === rev) return Promise.resolve(true);
    if (navigator.onLine === false) { offline(); return Promise.resolve(false); }
    var upTo = rev;
    setStatus(words("saving"));
    saving = send(form.dataset.draftUrl, { json: collect() }).then(function (result) {
      if (result.status === 200) {
        retryDelay = 0;
        savedRev = upTo;
        if (result.data.saved_at) serverSavedAt = result.data.saved_at;
        if (banner && !banner.hidden && banner.className.indexOf("offline") >= 0) setBanner("");
        serverProblems = {};
        (result.data.problems || []).forEach(function (p) { serverProblems[p.key] = p.message; });
        serverMissing = result.data.missing || [];
        if (savedRev === rev) keepLocal(false);
        setStatus(words("saved", { time: timeText(result.data.saved_at) }));
        refresh();
        return savedRev === rev;
      }
      if (result.status === 409) {
        leaving = true;
        store.removeItem(KEY);
        setBanner(result.data.message || words("visitClosed"), "expired");
        setTimeout(function () { location.assign(result.data.redirect || location.href); }, 1500);
        return false;
      }
      setStatus(words(result.status === 503 ? "keptServerBusy" : "notSaved"));
      retryLater(result.retryAfter);
      return false;
    }, function (error) {
      if (error && error.expired) { signedOutNow(); return false; }
      offline();
      retryLater();
      return false;
    }).then(function (ok) { saving = null; return ok; });
    return saving;
  }

  function changed(event) {
    var target = event && event.target;
    if (target && target.type === "file") return;
    if (target && target.type === "checkbox" && /-na$/.test(target.name)) {
      var input = form.elements[target.name.slice(0, -3)];
      if (input && !(input instanceof RadioNodeList)) input.disabled = target.checked;
    }
    rev += 1;
    keepLocal(true);
    var box = target && target.closest && target.closest("fieldset[data-question]");
    if (box && fullRules[box.dataset.question]) showCommentRule(box);
    if (!target || controllers[target.name] || (target.name && controllers[target.name.replace(/-na$/, "")])) updateVisibility();
    setStatus(words("editing"));
    scheduleSave();
    refreshSoon();
  }
  form.addEventListener("input", changed);
  form.addEventListener("change", changed);
  // "Go" on a phone keyboard must not send the form (or press the first button in it).
  form.addEventListener("keydown", function (event) {
    var t = event.target;
    if (event.key === "Enter" && t.tagName === "INPUT" && t.type !== "submit" && t.type !== "button") {
      event.preventDefault();
      t.blur();
    }
  });

  window.addEventListener("offline", offline);
  window.addEventListener("online", function () {
    setBanner("");
    signedOut = false; // asked again: a 401 says so once more
    retryDelay = 0;
    save().then(function () { if (sendQueued) { sendQueued = false; submit(); } });
  });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") checkSignedIn();
    // Leaving the page (home button, another app): send what is pending now.
    if (document.visibilityState === "hidden" && !leaving && !signedOut && savedRev !== rev && navigator.onLine !== false) {
      send(form.dataset.draftUrl, { json: collect(), keepalive: true }).catch(function () {});
    }
  });

  // --- sections, progress and the checklist --------------------------------------------
  var nav = $("[data-visit-nav]", form);
  var prev = $("[data-prev]", form);
  var next = $("[data-next]", form);
  var progress = $("[data-progress]", form);

  function show(index, scroll) {
    current = Math.max(0, Math.min(sections.length - 1, index));
    sections.forEach(function (s, i) { s.hidden = i !== current; });
    prev.hidden = current === 0;
    next.hidden = current === sections.length - 1;
    sendButton.hidden = current !== sections.length - 1;
    store.setItem(SECTION_KEY, sections[current].id);
    if (current === sections.length - 1) {
      reviewing = true;
      save();
    }
    refresh();
    if (scroll !== false) window.scrollTo({ top: 0, left: 0, behavior: "instant" });
  }
  prev.addEventListener("click", function () { show(current - 1); });
  next.addEventListener("click", function () { show(current + 1); });

  function hasPhotos(box) { return !!$(".photo-item", box); }
  function isAnswered(box) {
    return readAnswer(box) !== null;
  }

  // Everything the server asks for before it takes the report (service.missing_items),
  // each with whether it is done, by the same rules: the counter and the checklist are
  // both made from this list, so they always agree. What the server said was missing at
  // the last save (or when the page was made) and the page did not know of is added.
  function requirements() {
    var items = [];
    // control: what the "Still to do" link focuses ("answer", "comment" or "photo").
    function need(key, message, section, label, done, control) {
      items.push({ key: key, message: message, section: section, label: label, done: !!done, control: control || "answer" });
    }
    var details = $("[data-needs-details]", form);
    need("@started", words("needStarted"), sections[0].dataset.section, words("visitStart"), form.elements.started_at.value);
    if (details) {
      need("@ended", words("needEnded"), details.dataset.section, words("visitEnd"), form.elements.ended_at.value);
      var staffChosen = $$('[name="staff_ids"]', form).some(function (c) { return c.checked; });
      need("@staff", words("needStaff"), details.dataset.section,
        words("whoServed"), staffChosen || form.elements.staff_description.value.trim());
    }
    boxes.forEach(function (box) {
      if (box.hidden) return;
      var section = box.closest(".visit-section").dataset.section;
      var label = $(".question-text", box).firstChild.textContent.trim();
      var key = box.dataset.question;
      if (serverProblems[key]) need(key, serverProblems[key], section, label, false);
      else if (box.hasAttribute("data-required")) need(key, words("needAnswer"), section, label, isAnswered(box));
      if (!serverProblems[key] && fallsShort(box)) {
        var comment = commentOf(key);
        need(key, COMMENT_NEEDED, section, label, comment && comment.value.trim(), "comment");
      }
      if (box.dataset.evidence === "required") need(key, words("needPhoto"), section, label, hasPhotos(box), "photo");
    });
    if (serverMissing && savedRev === rev) {
      serverMissing.forEach(function (m) {
        var same = items.filter(function (i) { return i.key === m.key && i.message === m.message; })[0];
        if (same) same.done = false;
        else items.push({ key: m.key, message: m.message, section: m.section, label: labelFor(m.key), done: false, control: controlFor(m.message) });
      });
    }
    return items;
  }

  function controlFor(message) {
    if (/comment/i.test(message)) return "comment";
    if (/photo/i.test(message)) return "photo";
    return "answer";
  }

  function labelFor(key) {
    var box = byKey[key];
    if (box) return $(".question-text", box).firstChild.textContent.trim();
    var el = $('[data-question="' + key + '"] .form-label, [data-question="' + key + '"] legend', form);
    return el ? el.textContent.trim() : key;
  }

  function showMessages(items) {
    var perKey = {};
    items.forEach(function (m) { (perKey[m.key] = perKey[m.key] || []).push(m.message); });
    Object.keys(serverProblems).forEach(function (k) {
      perKey[k] = perKey[k] || [];
      if (perKey[k].indexOf(serverProblems[k]) < 0) perKey[k].push(serverProblems[k]);
    });
    $$("[data-question]", form).forEach(function (box) {
      var key = box.dataset.question;
      var list = reviewing ? perKey[key] : (serverProblems[key] ? [serverProblems[key]] : null);
      var old = $(":scope > .question-errors", box);
      if (!list || !list.length) {
        if (old) old.remove();
        box.classList.remove("question-invalid");
        return;
      }
      box.classList.add("question-invalid");
      // The comment box says itself why it is needed: not said twice.
      if (fullRules[key] && fallsShort(box)) list = list.filter(function (t) { return t !== COMMENT_NEEDED; });
      if (!list.length) {
        if (old) old.remove();
        return;
      }
      var ul = old || document.createElement("ul");
      ul.className = "question-errors";
      ul.id = "errors-" + key.replace(/[^\w-]/g, "");
      ul.textContent = "";
      list.forEach(function (text) { var li = document.createElement("li"); li.textContent = text; ul.appendChild(li); });
      if (!old) box.appendChild(ul);
      box.classList.add("question-invalid");
      var comment = byKey[key] && commentOf(key);
      if (comment && list.some(function (t) { return /comment/i.test(t); })) {
        var details = comment.closest("details");
        if (details) details.open = true;
      }
    });
  }

  function renderChecklist(items) {
    var list = $("[data-missing-list]", form);
    var title = $("[data-check-title]", form);
    var note = $("[data-check-note]", form);
    list.textContent = "";
    items.forEach(function (item) {
      var li = document.createElement("li");
      var a = document.createElement("a");
      a.href = "#" + sectionId(item.section);
      a.dataset.go = item.key;
      a.dataset.control = item.control || "answer";
      a.dataset.sectionKey = item.section;
      var label = document.createElement("span");
      label.className = "missing-label";
      label.textContent = item.label;
      var message = document.createElement("span");
      message.className = "missing-message";
      message.textContent = item.message;
      a.appendChild(label);
      a.appendChild(document.createTextNode(" "));
      a.appendChild(message);
      li.appendChild(a);
      list.appendChild(li);
    });
    title.textContent = items.length ? words("stillToDo", { n: items.length }) : words("readyToSend");
    note.hidden = items.length > 0;
    if (savedRev !== rev && navigator.onLine === false) {
      note.hidden = false;
      note.textContent = words("offlineChecklist");
    } else {
      note.textContent = words("allFilledIn");
      note.hidden = items.length > 0;
    }
  }

  function sectionId(sectionKey) {
    var section = sections.filter(function (s) { return s.dataset.section === sectionKey; })[0];
    return section ? section.id : sections[0].id;
  }

  function refresh() {
    var needed = requirements();
    var items = needed.filter(function (r) { return !r.done; });
    var done = needed.length - items.length;
    $("[data-step-label]", form).textContent = words("step", { n: current + 1, total: sections.length, title: sections[current].dataset.title });
    $("[data-answered]", form).textContent = words("answered", { done: done, total: needed.length });
    var bar = $("[data-progress-bar]", form);
    bar.max = needed.length || 1;
    bar.value = done;
    if (current === sections.length - 1 || reviewing) renderChecklist(items);
    showMessages(items);
  }
  var refreshTimer = null;
  function refreshSoon() {
    clearTimeout(refreshTimer);
    refreshTimer = setTimeout(refresh, 150);
  }

  form.addEventListener("click", function (event) {
    var link = event.target.closest("[data-go]");
    if (!link) return;
    event.preventDefault();
    var index = sections.map(function (s) { return s.dataset.section; }).indexOf(link.dataset.sectionKey);
    show(index < 0 ? 0 : index, false);
    var target = form.querySelector('[data-question="' + CSS.escape(link.dataset.go) + '"]');
    if (target) {
      target.scrollIntoView({ block: "start", behavior: "instant" });
      var said = $(".missing-message", link);
      var field = controlToFocus(target, link.dataset.control || controlFor(said ? said.textContent : ""));
      if (field) field.focus({ preventScroll: true });
    }
  });

  // The control a "Still to do" item is about: the comment box (its fold opened), the
  // first photo button, or the first answer control of the question.
  function controlToFocus(box, control) {
    var key = box.dataset.question;
    if (control === "comment" && byKey[key]) {
      var comment = commentOf(key);
      if (comment) {
        var details = comment.closest("details");
        if (details) details.open = true;
        return comment;
      }
    }
    if (control === "photo") {
      var photo = $("[data-upload]:not([disabled]), input[type=file]:not([disabled])", box);
      if (photo) return photo;
    }
    var ANSWER = "input:not([type=hidden]):not([disabled]):not([type=file]), textarea, select";
    var controls = $$(ANSWER, box).filter(function (c) {
      return !c.closest(".question-comment") && !c.closest("[data-photo-picker]") && !c.closest(".question-photo");
    });
    var checked = controls.filter(function (c) { return c.type === "radio" && c.checked; })[0];
    return checked || controls[0] || $(ANSWER, box);
  }
  document.addEventListener("click", function (event) {
    var close = event.target.closest('[data-bs-dismiss="alert"]');
    if (close) close.closest(".alert").remove();
  });
  window.addEventListener("photos:changed", function () { serverMissing = null; refresh(); });

  // --- sending the report, once ----------------------------------------------------------
  function token() {
    var t = store.getItem(TOKEN_KEY);
    if (!t || t === form.dataset.usedToken) {
      if (window.crypto && crypto.randomUUID) t = crypto.randomUUID().replace(/-/g, "");
      else t = Array.prototype.map.call(crypto.getRandomValues(new Uint8Array(16)), function (b) { return (b + 256).toString(16).slice(1); }).join("");
      store.setItem(TOKEN_KEY, t);
    }
    return t;
  }
  function say(text) { sendMessage.hidden = !text; sendMessage.textContent = text || ""; }
  var sendRetries = 0;
  function release() { sending = false; sendButton.disabled = false; sendButton.textContent = words("sendReport"); }

  function submit() {
    if (sending) return;          // a double tap sends once
    if (signedOut) {
      say(words("signedOutSend"));
      return;
    }
    sending = true;
    sendButton.disabled = true;
    sendButton.textContent = words("sending");
    say("");
    var body = { client_token: token(), draft: collect() };
    keepLocal(savedRev !== rev);
    if (navigator.onLine === false) {
      sendQueued = true;
      say(words("offlineSend"));
      sending = false;
      sendButton.textContent = words("waitingConnection");
      return;
    }
    send(form.dataset.submitUrl, { json: body }).then(function (result) {
      if (result.status === 200) {
        leaving = true;
        store.removeItem(KEY);
        store.removeItem(TOKEN_KEY);
        store.removeItem(SECTION_KEY);
        location.assign(result.data.redirect);
        return;
      }
      if (result.status === 422) {
        savedRev = rev;
        keepLocal(false);
        serverProblems = {};
        (result.data.problems || []).forEach(function (p) { serverProblems[p.key] = p.message; });
        serverMissing = result.data.missing || [];
        reviewing = true;
        refresh();
        say(result.data.message || words("stillMissing"));
        $("#checklist").scrollIntoView({ block: "start" });
        release();
        return;
      }
      if (result.status === 409) {
        leaving = true;
        say(result.data.message || words("visitClosed"));
        setTimeout(function () { location.assign(result.data.redirect || location.href); }, 1500);
        return;
      }
      if (result.status === 503) {
        // The server is briefly away: nothing was lost; send again by itself (same token),
        // waiting longer each time.
        sendRetries += 1;
        var wait = Math.min(Math.max(result.retryAfter || 0, 5 * Math.pow(2, sendRetries - 1)), 300);
        say((result.data.message || words("serverBusy")) + " " + words("sendingAgainIn", { seconds: wait }));
        sendButton.textContent = words("waitingToSend");
        setTimeout(function () { release(); submit(); }, wait * 1000);
        return;
      }
      sendRetries = 0;
      say(result.data.message || words("notSent"));
      release();
    }, function (error) {
      if (error && error.expired) { release(); signedOutNow(); return; }
      sendQueued = true;
      offline();
      say(words("noConnectionSend"));
      sending = false;
      sendButton.textContent = words("waitingConnection");
    });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var submitter = event.submitter;
    if (submitter && submitter.value === "save") {
      rev += 1; // save even when nothing changed, so the shopper sees it confirmed
      save().then(function (ok) {
        if (ok) { leaving = true; location.assign(form.dataset.homeUrl); }
        else say(words("keptUntilOnline"));
      });
      return;
    }
    if (submitter && submitter.hasAttribute("formaction")) return; // photo removal: photo_resize.js
    if (current !== sections.length - 1) { show(sections.length - 1); return; }
    submit();
  });

  // --- start: restore, then show the right section ------------------------------------------
  var saved = readJSON(KEY);
  var restored = !!(saved && saved.state && (saved.dirty || stamp(saved.saved) > stamp(form.dataset.savedAt)));
  if (!restored) {
    // What the server found missing when it made this page (the answers shown are its own).
    serverMissing = $$("[data-missing-list] a", form).map(function (a) {
      var message = $(".missing-message", a);
      return { key: a.dataset.go, message: message ? message.textContent.trim() : "", section: a.dataset.sectionKey };
    });
  }
  if (restored) {
    // Typed here and not confirmed by the server (offline, reload, expired session), or
    // confirmed after this page was made (the page is the copy kept for offline use).
    apply(saved.state);
    if (stamp(saved.saved) > stamp(serverSavedAt)) serverSavedAt = saved.saved;
    if (saved.dirty) rev = 1;
    setStatus(words("restored"));
  } else {
    keepLocal(false);
  }
  // Photo removal is a button of its own with the script (a form post without it).
  $$(".photo-remove", form).forEach(function (b) { b.type = "button"; });
  updateVisibility();
  // Send lives in the bar at the bottom on the last step, so it is always in reach.
  nav.appendChild(sendButton);
  nav.hidden = false;
  progress.hidden = false;
  var wanted = location.hash.slice(1) || store.getItem(SECTION_KEY);
  // The section is shown by this script: a fragment left in the URL would scroll the page.
  if (location.hash && history.replaceState) history.replaceState(null, "", location.pathname + location.search);
  var start = sections.map(function (s) { return s.id; }).indexOf(wanted);
  show(start < 0 ? 0 : start);
  if (rev !== savedRev) scheduleSave(0);
  if (navigator.onLine === false) offline();
  if (window.performance && performance.mark) performance.mark("visit-form-ready");
})();
