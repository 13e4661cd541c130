// Follows a job's events live over server-sent events (GET /jobs/{id}/stream).
"use strict";
(function () {
  var list = document.getElementById("job-events");
  if (!list || list.dataset.finished === "true" || !window.EventSource) return;
  var status = document.getElementById("job-status");
  var errorBox = document.getElementById("job-error");
  var empty = document.getElementById("no-events");
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
    if (status) {
      status.dataset.status = end.status;
      status.textContent = list.dataset["label" + end.status.charAt(0).toUpperCase() + end.status.slice(1)] || end.status;
    }
  });
})();
