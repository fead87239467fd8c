// Sends a "busy, try again" form again after about the delay the server asked for. The
// jitter (60% to 110% of it) spreads a crowd of waiting pupils over the time the queue
// needs to drain, so they neither come back in the same second nor leave the hash slots idle.
"use strict";
document.querySelectorAll("form[data-retry-after]").forEach(function (form) {
    var seconds = Number(form.getAttribute("data-retry-after")) || 2;
    var due = Date.now() + seconds * 1000 * (0.6 + Math.random() * 0.5);
    var countdown = form.querySelector("[data-countdown]");
    function tick() {
        var left = Math.max(0, Math.ceil((due - Date.now()) / 1000));
        if (countdown) { countdown.textContent = String(left); }
        if (left <= 0) { form.submit(); } else { window.setTimeout(tick, 250); }
    }
    tick();
});
