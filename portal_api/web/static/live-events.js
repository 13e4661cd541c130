// Live events over server-sent events, for job pages and migration run logs.
// Markup: <ol data-stream="URL" data-after="last seq" data-finished="true|false"
//   data-status="id of the status element" data-label-<status>="translated label"
//   [data-reload-on-end]>.  Each event becomes an <li>; at the "end" event the stream is
// closed and the status shown (or the page reloaded, when the whole page depends on it).
// Without JavaScript the page still lists every event written so far: a reload shows more.
"use strict";
(function () {
  var lists = document.querySelectorAll("ol[data-stream]");
  Array.prototype.forEach.call(lists, function (list) {
    if (list.dataset.finished === "true" || !window.EventSource) return;
    var status = document.getElementById(list.dataset.status || "");
    var empty = document.getElementById(list.dataset.empty || "");
    var errorBox = document.getElementById(list.dataset.error || "");
    var url = list.dataset.stream + "?after=" + encodeURIComponent(list.dataset.after || "0");
    var source = new EventSource(url);
    source.addEventListener("job-event", function (message) {
      var event = JSON.parse(message.data);
      var item = document.createElement("li");
      item.className = "event level-" + event.level;
      item.value = event.seq;
      var time = document.createElement("time");
      time.dateTime = event.at;
      time.textContent = new Date(event.at).toLocaleString();
      var text = document.createElement("span");
      text.className = "message";
      text.textContent = event.message;
      item.appendChild(time);
      item.appendChild(document.createTextNode(" "));
      item.appendChild(text);
      list.appendChild(item);
      list.dataset.after = String(event.seq);
      if (empty) empty.hidden = true;
      if (event.level === "error" && errorBox) {
        errorBox.hidden = false;
        errorBox.querySelector("code").textContent = event.message;
      }
    });
    source.addEventListener("end", function (message) {
      var end = JSON.parse(message.data);
      source.close();
      list.dataset.finished = "true";
      if (list.hasAttribute("data-reload-on-end")) {
        window.location.reload();
        return;
      }
      if (status) {
        var key = "label" + end.status.charAt(0).toUpperCase() + end.status.slice(1);
        status.dataset.status = end.status;
        status.textContent = list.dataset[key] || end.status;
      }
    });
  });
})();
