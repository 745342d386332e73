/* Photos and receipts on the visit form: shrunk on the phone, uploaded, shown, removable.
 *
 * A 12 MP photo is redrawn on a canvas at most 1600 px on its long side (JPEG
 * 0.8, a few hundred KB instead of several MB of mobile data). The canvas copy
 * has no EXIF, so the capture time is read here first and sent with it. A file
 * the phone cannot draw is sent as it is: the server checks every upload and
 * says why it refuses one, and the message is shown beside the question.
 * Offline (or signed out), a photo waits and is sent when the connection (or the
 * session) is back. Every photo is kept in IndexedDB until the server has it, so a
 * reload (offline too) shows it again and sends it; where IndexedDB cannot be used
 * (private mode), leaving the page with a photo not sent asks first.
 */
(function () {
  "use strict";

  var MAX_SIDE = 1600;
  var QUALITY = 0.8;
  var KEEP_AS_IS = 1536 * 1024; // small enough already: sent untouched
  var form = document.getElementById("visit-form");
  if (!form) return;
  var maxBytes = Number(form.dataset.maxPhotoMb || 10) * 1024 * 1024;
  var waiting = [];
  var inFlight = [];
  var visitId = form.dataset.visit;

  function csrf() { return form.querySelector('[name="csrf_token"]').value; }
  function tell(name, detail) { window.dispatchEvent(new CustomEvent(name, { detail: detail })); }
  function mb(bytes) {
    return (bytes / 1048576).toLocaleString(document.documentElement.lang || [], { maximumFractionDigits: 1 });
  }

  // --- the capture time, from the JPEG's EXIF block ------------------------------------
  function exifTime(buffer) {
    var view = new DataView(buffer);
    if (view.byteLength < 4 || view.getUint16(0) !== 0xFFD8) return null;
    var offset = 2;
    while (offset + 10 <= view.byteLength) {
      var marker = view.getUint16(offset);
      if ((marker & 0xFF00) !== 0xFF00) return null;
      if (marker === 0xFFE1 && view.getUint32(offset + 4) === 0x45786966) return tiffTime(view, offset + 10);
      offset += 2 + view.getUint16(offset + 2);
    }
    return null;
  }
  function tiffTime(view, start) {
    try {
      var little = view.getUint16(start) === 0x4949;
      var u16 = function (o) { return view.getUint16(start + o, little); };
      var u32 = function (o) { return view.getUint32(start + o, little); };
      var find = function (ifd, tag) {
        for (var i = 0, n = u16(ifd); i < n; i++) {
          var entry = ifd + 2 + i * 12;
          if (u16(entry) === tag) return { count: u32(entry + 4), at: entry + 8 };
        }
        return null;
      };
      var text = function (entry) {
        if (!entry) return "";
        var at = entry.count > 4 ? u32(entry.at) : entry.at;
        var out = "";
        for (var i = 0; i < entry.count; i++) {
          var c = view.getUint8(start + at + i);
          if (!c) break;
          out += String.fromCharCode(c);
        }
        return out;
      };
      var ifd0 = u32(4);
      var pointer = find(ifd0, 0x8769);
      var when = "";
      var zone = "";
      if (pointer) {
        var sub = u32(pointer.at);
        when = text(find(sub, 0x9003));   // DateTimeOriginal
        zone = text(find(sub, 0x9011));   // OffsetTimeOriginal
      }
      if (!when) when = text(find(ifd0, 0x0132)); // DateTime
      var m = /^(\d{4}):(\d\d):(\d\d) (\d\d):(\d\d):(\d\d)/.exec(when);
      if (!m) return null;
      var local = m[1] + "-" + m[2] + "-" + m[3] + "T" + m[4] + ":" + m[5] + ":" + m[6];
      if (/^[+-]\d\d:\d\d$/.test(zone)) return local + zone;
      var d = new Date(local); // no zone written: the phone's own
      return isNaN(d) ? null : d.toISOString();
    } catch (e) {
      return null;
    }
  }

  // --- photos not sent yet, kept until the server has them -------------------------------
  var opened = null;
  function database() {
    if (!opened) {
      opened = new Promise(function (resolve, reject) {
        if (!window.indexedDB) { reject(new Error("no IndexedDB")); return; }
        var request = indexedDB.open("sa-photos", 1);
        request.onupgradeneeded = function () {
          request.result.createObjectStore("waiting", { keyPath: "id", autoIncrement: true });
        };
        request.onsuccess = function () { resolve(request.result); };
        request.onerror = function () { reject(request.error); };
      });
    }
    return opened;
  }
  function stored(mode, work) {
    return database().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction("waiting", mode);
        var request = work(tx.objectStore("waiting"));
        tx.oncomplete = function () { resolve(request.result); };
        tx.onerror = tx.onabort = function () { reject(tx.error); };
      });
    });
  }
  function remember(picker, job) {
    var record = {
      visit: visitId, question_key: picker.dataset.questionKey || "", kind: picker.dataset.kind || "photo",
      blob: job.blob, name: job.name, captured: job.captured || null
    };
    return stored("readwrite", function (s) { return s.add(record); })
      .then(function (id) { job.id = id; }, function () { /* this page only */ });
  }
  function forget(job) {
    if (job.id === undefined) return;
    stored("readwrite", function (s) { return s.delete(job.id); }).catch(function () {});
  }

  // --- shrinking ----------------------------------------------------------------------
  function jpegName(name) { return (name || "photo").replace(/\.[^.]*$/, "") + ".jpg"; }

  function shrink(file) {
    var head = file.slice(0, 256 * 1024).arrayBuffer().then(exifTime, function () { return null; });
    var picture = window.createImageBitmap
      ? createImageBitmap(file, { imageOrientation: "from-image" }).catch(function () { return null; })
      : Promise.resolve(null);
    return Promise.all([head, picture]).then(function (both) {
      var captured = both[0];
      var image = both[1];
      var asIs = { blob: file, name: file.name, captured: captured };
      if (!image) return asIs; // not something the phone can draw: the server will say why
      var side = Math.max(image.width, image.height);
      if (side <= MAX_SIDE && file.size <= KEEP_AS_IS && /^image\/(jpeg|png|webp)$/.test(file.type)) {
        image.close();
        return asIs;
      }
      var scale = Math.min(1, MAX_SIDE / side);
      var canvas = document.createElement("canvas");
      canvas.width = Math.max(1, Math.round(image.width * scale));
      canvas.height = Math.max(1, Math.round(image.height * scale));
      var context = canvas.getContext("2d");
      context.fillStyle = "#fff";
      context.fillRect(0, 0, canvas.width, canvas.height);
      context.drawImage(image, 0, 0, canvas.width, canvas.height);
      image.close();
      return new Promise(function (resolve) {
        canvas.toBlob(function (blob) {
          resolve(blob ? { blob: blob, name: jpegName(file.name), captured: captured } : asIs);
        }, "image/jpeg", QUALITY);
      });
    });
  }

  // --- the list of photos beside a question ---------------------------------------------
  function showError(picker, text) {
    var box = picker.querySelector("[data-photo-error]");
    box.hidden = !text;
    box.textContent = text || "";
  }

  function pendingItem(picker, file) {
    var li = document.createElement("li");
    li.className = "photo-item is-uploading";
    var img = document.createElement("img");
    img.alt = "";
    img.width = 96;
    img.height = 96;
    img.src = URL.createObjectURL(file);
    img.onerror = function () { img.removeAttribute("src"); };
    var note = document.createElement("span");
    note.className = "photo-note";
    note.textContent = words("sending");
    li.appendChild(img);
    li.appendChild(note);
    picker.querySelector("[data-photo-list]").appendChild(li);
    return li;
  }

  function finish(item, data) {
    var img = item.querySelector("img");
    if (img.src.indexOf("blob:") === 0) URL.revokeObjectURL(img.src);
    item.textContent = "";
    item.className = "photo-item";
    item.dataset.attachment = data.id;
    var link = document.createElement("a");
    link.href = data.url;
    link.target = "_blank";
    link.rel = "noopener";
    var thumb = document.createElement("img");
    thumb.src = data.thumb_url;
    thumb.alt = words("photo");
    thumb.width = 96;
    thumb.height = 96;
    link.appendChild(thumb);
    var remove = document.createElement("button");
    remove.type = "button";
    remove.className = "photo-remove";
    remove.dataset.deleteUrl = data.delete_url;
    remove.setAttribute("aria-label", words("removePhoto"));
    remove.textContent = words("remove");
    item.appendChild(link);
    item.appendChild(remove);
  }

  function post(url, body) {
    return fetch(url, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      redirect: "manual",
      headers: { "Accept": "application/json", "X-CSRFToken": csrf() }
    }).then(function (response) {
      if (response.type === "opaqueredirect" || response.status === 401) {
        tell("visit:expired");
        throw { expired: true };
      }
      return response.json().catch(function () { return {}; }).then(function (data) {
        var seconds = parseInt(response.headers.get("Retry-After") || "", 10);
        return { status: response.status, data: data, retryAfter: isNaN(seconds) ? 0 : seconds };
      });
    });
  }

  function attempt(picker, item, job) {
    var body = new FormData();
    body.append("file", job.blob, job.name);
    if (picker.dataset.questionKey) body.append("question_key", picker.dataset.questionKey);
    body.append("kind", picker.dataset.kind || "photo");
    if (job.captured) body.append("captured_at", job.captured);
    item.classList.remove("is-waiting");
    item.querySelector(".photo-note").textContent = "Sending…";
    inFlight.push(job);
    var landed = function () { inFlight.splice(inFlight.indexOf(job), 1); };
    post(form.dataset.uploadUrl, body).then(function (result) {
      landed();
      if (result.status === 200 || result.status === 201) {
        forget(job);
        if (job.retried) showError(picker, ""); // the storage message no longer holds
        finish(item, result.data);
        tell("photos:changed", { key: picker.dataset.questionKey });
        return;
      }
      if (result.status === 400 && /csrf/i.test(result.data.message || "") && !job.freshToken) {
        // The session changed (signed in again): take the form's new token and send again.
        job.freshToken = true;
        refreshToken().then(function () { attempt(picker, item, job); }, function () {
          wait(picker, item, job, words("photoWaitSignIn"));
        });
        return;
      }
      if (result.status >= 500) {
        // Not stored (storage full or away, a fault on our side): kept on this phone and
        // sent again later, waiting longer each time.
        showError(picker, result.data.message || words("photoNotStored"));
        job.retried = (job.retried || 0) + 1;
        wait(picker, item, job, words("photoWaitRetry"));
        var seconds = Math.min(Math.max(result.retryAfter || 0, 5 * Math.pow(2, job.retried - 1)), 600);
        setTimeout(function () { retryOne(item); }, seconds * 1000);
        return;
      }
      forget(job); // refused: the message says why; sending it again would not help
      item.remove();
      showError(picker, result.data.message || words("photoNotSent", { status: result.status }));
    }, function (error) {
      landed();
      wait(picker, item, job, words(error && error.expired ? "photoWaitSignIn" : "photoWaitConnection"));
    });
  }
  function wait(picker, item, job, note) {
    item.classList.add("is-waiting");
    item.querySelector(".photo-note").textContent = note;
    waiting.push({ picker: picker, item: item, job: job });
  }

  function handle(picker, file) {
    showError(picker, "");
    var item = pendingItem(picker, file);
    shrink(file).then(function (job) {
      if (job.blob.size > maxBytes) {
        item.remove();
        showError(picker, words("photoTooBig", { size: mb(job.blob.size), max: mb(maxBytes) }));
        return;
      }
      remember(picker, job).then(function () { attempt(picker, item, job); });
    });
  }

  // Photos of this visit chosen before a reload and not sent yet: shown, and sent.
  stored("readonly", function (s) { return s.getAll(); }).then(function (records) {
    var pickers = Array.prototype.slice.call(form.querySelectorAll("[data-photo-picker]"));
    (records || []).forEach(function (record) {
      if (record.visit !== visitId) return;
      var job = { blob: record.blob, name: record.name, captured: record.captured, id: record.id };
      var picker = pickers.filter(function (p) {
        return (p.dataset.questionKey || "") === record.question_key && (p.dataset.kind || "photo") === record.kind;
      })[0];
      if (!picker) { forget(job); return; }
      var item = pendingItem(picker, record.blob);
      if (navigator.onLine === false) wait(picker, item, job, words("photoWaitConnection"));
      else attempt(picker, item, job);
    });
  }).catch(function () { /* nothing kept */ });

  form.addEventListener("change", function (event) {
    var input = event.target;
    if (!input.matches || !input.matches("input[type=file][data-upload]")) return;
    var picker = input.closest("[data-photo-picker]");
    var files = Array.prototype.slice.call(input.files || []);
    input.value = ""; // chosen again later is a new upload; never posted with the form
    files.forEach(function (file) { handle(picker, file); });
  });

  function retry() {
    waiting.splice(0).forEach(function (w) { attempt(w.picker, w.item, w.job); });
  }
  function refreshToken() {
    return fetch(form.dataset.draftUrl, { credentials: "same-origin", redirect: "manual", headers: { "Accept": "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error("signed out");
        return response.json();
      }).then(function (data) {
        if (data.csrf_token) form.querySelector('[name="csrf_token"]').value = data.csrf_token;
      });
  }
  function retryOne(item) {
    var index = waiting.map(function (w) { return w.item; }).indexOf(item);
    if (index < 0 || navigator.onLine === false) return; // sent already, or waits for "online"
    var w = waiting.splice(index, 1)[0];
    attempt(w.picker, w.item, w.job);
  }
  window.addEventListener("online", retry);
  window.addEventListener("visit:signed-in", retry);
  window.addEventListener("beforeunload", function (event) {
    var unkept = function (job) { return job.id === undefined; };
    if (!waiting.map(function (w) { return w.job; }).concat(inFlight).some(unkept)) return;
    event.preventDefault();
    event.returnValue = "";
  });

  form.addEventListener("click", function (event) {
    var button = event.target.closest("[data-delete-url]");
    if (!button) return;
    event.preventDefault();
    var item = button.closest(".photo-item");
    var picker = button.closest("[data-photo-picker]");
    button.disabled = true;
    post(button.dataset.deleteUrl).then(function (result) {
      if (result.status === 200) {
        item.remove();
        showError(picker, "");
        tell("photos:changed", { key: picker.dataset.questionKey });
      } else {
        button.disabled = false;
        showError(picker, result.data.message || words("photoNotRemoved"));
      }
    }, function (error) {
      button.disabled = false;
      if (!(error && error.expired)) showError(picker, words("photoRemoveOffline"));
    });
  });
})();
