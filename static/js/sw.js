/* The shopper's pages without a network: a service worker served at /shop/sw.js
 * (audit/shop/routes.py), so its scope is /shop/ and it controls the visit form.
 *
 * - pages under /shop/ (GET navigations): network first; the copy kept here when the
 *   network fails, or is too slow and a copy exists; every page that loads is kept;
 * - static files whose URL carries ?v= (versioned by their content): cache first;
 * - other static files: network first, the kept copy when offline;
 * - everything else (drafts, sending, photos, other sites): left to the network.
 *
 * A page that was not yet controlled asks for itself and its assets to be kept
 * ("keep"), so a reload works offline right after the first load; a sent visit is
 * dropped ("forget"). A page answered with a redirect (the session ended: to the
 * sign-in page) drops every kept page, so nothing is shown offline after sign-out.
 * The answers themselves live in localStorage (static/js/visit_form.js), not here.
 */
"use strict";

var CACHE = "sa-shop-1";
var PAGE_TIMEOUT = 6000; // a weak connection: after this, show the kept copy
var SCOPE = new URL(self.registration.scope).pathname; // "/shop/"
var ROOT = SCOPE.replace(/shop\/$/, ""); // "/" (or the prefix the app is mounted under)
var STATIC = [ROOT + "static/", ROOT + "bootstrap/static/"];

self.addEventListener("install", function () {
  self.skipWaiting();
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys().then(function (keys) {
      return Promise.all(keys.filter(function (key) {
        return key.indexOf("sa-shop-") === 0 && key !== CACHE;
      }).map(function (key) { return caches.delete(key); }));
    }).then(function () { return self.clients.claim(); })
  );
});

function isStatic(url) {
  return STATIC.some(function (prefix) { return url.pathname.indexOf(prefix) === 0; });
}
function isPage(url) {
  return url.pathname.indexOf(SCOPE) === 0 && !isStatic(url) && url.pathname !== SCOPE + "sw.js";
}
function keepable(response) {
  return response && response.ok && response.type === "basic" && !response.redirected;
}
function keep(key, response) {
  return caches.open(CACHE).then(function (cache) { return cache.put(key, response); });
}
function kept(key) {
  return caches.open(CACHE).then(function (cache) { return cache.match(key, { ignoreVary: true }); });
}
function dropPages() {
  return caches.open(CACHE).then(function (cache) {
    return cache.keys().then(function (requests) {
      return Promise.all(requests.filter(function (r) { return isPage(new URL(r.url)); })
        .map(function (r) { return cache.delete(r); }));
    });
  });
}

// The words of the page shown for a page not kept: the visit form sends them in its
// language ({type: "keep", offline: {lang, title, text}}), kept beside the pages. English
// only before any page has said its words.
var OFFLINE_WORDS = SCOPE + "sw.js?offline-words";
var ENGLISH_OFFLINE = {
  lang: "en", title: "Offline",
  text: "You are offline and this page was not kept on this phone. Go back, or try again when you have a connection."
};

function escapeHtml(text) {
  return String(text).replace(/[&<>"']/g, function (c) { return "&#" + c.charCodeAt(0) + ";"; });
}
function offlinePage() {
  return kept(OFFLINE_WORDS).then(function (copy) { return copy ? copy.json() : ENGLISH_OFFLINE; })
    .catch(function () { return ENGLISH_OFFLINE; })
    .then(function (words) {
      return new Response(
        "<!doctype html><html lang='" + escapeHtml(words.lang) + "'><meta charset=utf-8>" +
        "<meta name=viewport content='width=device-width'>" +
        "<title>" + escapeHtml(words.title) + "</title><p>" + escapeHtml(words.text) + "</p>",
        { status: 503, headers: { "Content-Type": "text/html; charset=utf-8" } }
      );
    });
}

function page(event) {
  var key = event.request.url.split("#")[0];
  var network = fetch(event.request).then(function (response) {
    if (response.type === "opaqueredirect" || response.redirected) {
      event.waitUntil(dropPages());
    } else if (keepable(response) && /text\/html/.test(response.headers.get("Content-Type") || "")) {
      event.waitUntil(keep(key, response.clone()));
    }
    return response;
  });
  var fallback = function () {
    return kept(key).then(function (copy) { return copy || offlinePage(); });
  };
  // Slow network and a copy at hand: show the copy; the network still refreshes it.
  var slow = new Promise(function (resolve) {
    setTimeout(function () {
      kept(key).then(function (copy) { if (copy) resolve(copy); });
    }, PAGE_TIMEOUT);
  });
  return Promise.race([network.catch(fallback), slow]);
}

function versioned(event) {
  return kept(event.request).then(function (copy) {
    return copy || fetch(event.request).then(function (response) {
      if (keepable(response)) event.waitUntil(keep(event.request, response.clone()));
      return response;
    });
  });
}

function networkFirst(event) {
  return fetch(event.request).then(function (response) {
    if (keepable(response)) event.waitUntil(keep(event.request, response.clone()));
    return response;
  }, function (error) {
    return kept(event.request).then(function (copy) {
      if (copy) return copy;
      throw error;
    });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") return;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate" && isPage(url)) {
    event.respondWith(page(event));
  } else if (isStatic(url)) {
    event.respondWith(url.searchParams.has("v") ? versioned(event) : networkFirst(event));
  }
});

// {type: "keep", urls: [...], refresh: bool, offline: {...}} → each kept (fetched again when refresh, or
// when not kept yet); answers {type: "kept"}. {type: "forget", urls: [...]} → dropped.
self.addEventListener("message", function (event) {
  var data = event.data || {};
  var urls = (data.urls || []).map(function (u) { return new URL(u, self.location.href); })
    .filter(function (url) { return url.origin === self.location.origin && (isPage(url) || isStatic(url)); })
    .map(function (url) { return url.href.split("#")[0]; });
  var reply = function (type) {
    if (event.source) event.source.postMessage({ type: type, urls: urls });
  };
  if (data.type === "keep") {
    if (data.offline && data.offline.title && data.offline.text) {
      var words = { lang: String(data.offline.lang || ""), title: String(data.offline.title), text: String(data.offline.text) };
      event.waitUntil(keep(OFFLINE_WORDS, new Response(JSON.stringify(words),
        { headers: { "Content-Type": "application/json" } })));
    }
    event.waitUntil(Promise.all(urls.map(function (u) {
      return kept(u).then(function (copy) {
        if (copy && !data.refresh) return null;
        return fetch(u, { credentials: "same-origin", cache: "no-cache" }).then(function (response) {
          return keepable(response) ? keep(u, response) : null;
        });
      }).catch(function () { return null; });
    })).then(function () { reply("kept"); }));
  } else if (data.type === "forget") {
    event.waitUntil(caches.open(CACHE).then(function (cache) {
      return Promise.all(urls.map(function (u) { return cache.delete(u); }));
    }).then(function () { reply("forgotten"); }));
  }
});
