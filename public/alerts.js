// The alerts page, live: listens to the server's stream of new alerts
// (server-sent events) and adds each new alert to the top of the list, as
// the server draws it (the page is fetched again and only the alerts this
// page does not show yet are taken from it, so a note being typed stays).
// Loaded by /staff/alerts only; without it the page lists new alerts on reload.
(function () {
  "use strict";

  var live = document.getElementById("alerts-live");
  if (!live || typeof window.EventSource !== "function") {
    return;
  }
  var source = new EventSource(live.getAttribute("data-stream"));
  var fetching = false;
  var again = false;

  function addNew() {
    if (fetching) {
      again = true;
      return;
    }
    fetching = true;
    fetch(window.location.pathname + window.location.search, {
      credentials: "same-origin",
      headers: { accept: "text/html" },
    })
      .then(function (answer) {
        return answer.ok ? answer.text() : Promise.reject(answer.status);
      })
      .then(function (html) {
        var page = new DOMParser().parseFromString(html, "text/html");
        var fresh = page.getElementById("alerts-list");
        var list = document.getElementById("alerts-list");
        if (!fresh || !list) {
          return;
        }
        var first = list.firstElementChild;
        Array.prototype.forEach.call(fresh.children, function (item) {
          if (!document.getElementById(item.id)) {
            list.insertBefore(document.importNode(item, true), first);
          }
        });
        var empty = document.getElementById("alerts-empty");
        if (empty && list.children.length > 0) {
          empty.remove();
        }
        live.textContent = live.getAttribute("data-new-text");
      })
      .catch(function () {
        // The next alert, or a reload, tries again.
      })
      .finally(function () {
        fetching = false;
        if (again) {
          again = false;
          addNew();
        }
      });
  }

  source.addEventListener("alert", addNew);
  window.addEventListener("pagehide", function () {
    source.close();
  });
})();
