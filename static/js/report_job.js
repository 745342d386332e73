// Progress of a background report job: poll its status and show the download link
// when it is ready. Without JavaScript the page refreshes itself (meta refresh).
(function () {
  "use strict";
  var box = document.getElementById("report-job");
  if (!box || !window.fetch) return;
  var url = box.getAttribute("data-status-url");
  var bar = document.getElementById("job-progress");
  var message = document.getElementById("job-message");
  var ready = document.getElementById("job-ready");
  var failed = document.getElementById("job-failed");
  var note = document.getElementById("job-wait-note");
  // The script takes over from the meta refresh.
  var refresh = document.querySelector('meta[http-equiv="refresh"]');
  if (refresh) refresh.parentNode.removeChild(refresh);

  function show(status) {
    bar.value = status.percent;
    bar.textContent = status.percent + "%";
    message.textContent = status.message;
    if (status.state === "finished") {
      ready.classList.remove("d-none");
      if (status.download) document.getElementById("job-download").href = status.download;
      if (note) note.classList.add("d-none");
      return true;
    }
    if (status.state === "failed") {
      // The page's words, in the reader's language (words.js).
      failed.textContent = status.error
        ? words("reportFailedBecause", { error: status.error })
        : words("reportFailed");
      failed.classList.remove("d-none");
      if (note) note.classList.add("d-none");
      return true;
    }
    return false;
  }

  function poll() {
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) throw new Error(response.status);
        return response.json();
      })
      .then(function (status) {
        if (!show(status)) window.setTimeout(poll, 1500);
      })
      .catch(function () {
        window.setTimeout(poll, 5000);
      });
  }
  if (ready.classList.contains("d-none") && failed.classList.contains("d-none")) poll();
})();
