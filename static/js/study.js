// Study: keyboard review, idempotency keys and durations for ratings, the mock-interview
// countdown. Every page works without this file; it only adds speed and comfort.
(function () {
  "use strict";

  function randomKey() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID().replace(/-/g, "");
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  function isTyping(el) {
    return !!el && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName));
  }

  // A fresh idempotency key and a start time each time an answer is revealed: a retried post of
  // the same rating reuses the key (and counts once), a new reveal gets a new one.
  function armRating(card) {
    var form = card && card.querySelector(".rating-form");
    if (!form || form.dataset.revealedAt) return;
    form.elements.idempotency_key.value = randomKey();
    form.dataset.revealedAt = String(Date.now());
  }

  document.addEventListener("toggle", function (event) {
    var details = event.target;
    if (details.matches && details.matches("details.answer") && details.open) {
      armRating(details.closest(".study-card"));
    }
  }, true);

  // A click (or Space/Enter) on "Show answer" arms at once; the toggle event comes a task later.
  document.addEventListener("click", function (event) {
    var summary = event.target.closest && event.target.closest("details.answer > summary");
    if (summary && !summary.parentElement.open) armRating(summary.closest(".study-card"));
  }, true);

  // Capture phase: runs before htmx reads the form, so the duration goes with the request.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches(".rating-form")) return;
    var started = Number(form.dataset.revealedAt);
    if (started) form.elements.duration_ms.value = String(Date.now() - started);
  }, true);

  // The card "in view" on a lesson page: the first one not yet scrolled past (more than a few
  // lines of it below the sticky header) whose top is in the upper part of the window.
  function visibleCard() {
    var header = document.querySelector(".site-header");
    var top = header ? header.getBoundingClientRect().bottom : 0;
    var cards = document.querySelectorAll(".study-card");
    for (var i = 0; i < cards.length; i++) {
      var rect = cards[i].getBoundingClientRect();
      if (rect.bottom > top + 120 && rect.top < window.innerHeight * 0.6) return cards[i];
    }
    return null;
  }

  function activeCard() {
    var focused = document.activeElement && document.activeElement.closest
      ? document.activeElement.closest(".study-card") : null;
    return focused || document.querySelector("#review-session .study-card") || visibleCard();
  }

  // Single-key shortcuts can be turned off (WCAG 2.1.4: speech input and screen-reader users
  // may press them by accident). The choice is kept in this browser; on by default.
  var SHORTCUTS_KEY = "portal.shortcuts";
  function shortcutsOn() {
    try { return window.localStorage.getItem(SHORTCUTS_KEY) !== "off"; } catch (e) { return true; }
  }
  function showShortcuts(announce) {
    var on = shortcutsOn();
    document.querySelectorAll("[data-shortcuts]").forEach(function (box) {
      box.hidden = false;
      box.classList.toggle("is-off", !on);
      var toggle = box.querySelector(".shortcuts-toggle");
      if (toggle) toggle.checked = on;
      var status = box.querySelector("[data-shortcuts-status]");
      if (status && announce) status.textContent = on ? "Single-key shortcuts on." : "Single-key shortcuts off.";
    });
  }
  document.addEventListener("change", function (event) {
    if (!event.target.matches || !event.target.matches(".shortcuts-toggle")) return;
    try {
      window.localStorage.setItem(SHORTCUTS_KEY, event.target.checked ? "on" : "off");
    } catch (e) { /* storage refused: the switch still works for this page */ }
    if (!event.target.checked) document.documentElement.dataset.shortcutsOff = "1";
    else delete document.documentElement.dataset.shortcutsOff;
    showShortcuts(true);
  });
  document.addEventListener("DOMContentLoaded", function () { showShortcuts(false); });

  var ratedByKeyboard = false;
  // Keys act only once htmx has set the page up (its DOMContentLoaded handler was registered
  // before ours), so a rating never slips out as a plain form post while the page loads.
  var pageReady = false;
  document.addEventListener("DOMContentLoaded", function () { pageReady = true; });

  document.addEventListener("keydown", function (event) {
    if (!pageReady) return;
    if (event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey) return;
    if (isTyping(event.target)) return;
    if (!shortcutsOn() || document.documentElement.dataset.shortcutsOff) return;
    if (document.querySelector("#mock-stage")) return; // the mock interview uses its own controls
    var card = activeCard();
    if (!card) return;
    var details = card.querySelector("details.answer");
    if (event.key === " " || event.key === "Spacebar") {
      // Buttons, links and the summary keep their own Space behaviour.
      if (/^(BUTTON|A|SUMMARY)$/.test(event.target.tagName)) return;
      if (details && !details.open) {
        event.preventDefault();
        details.open = true;
        armRating(card);
      }
      return;
    }
    if (/^[1-4]$/.test(event.key) && details && details.open) {
      var button = card.querySelector('.rating-form button[value="' + event.key + '"]');
      if (button && !button.disabled) {
        event.preventDefault();
        ratedByKeyboard = true;
        button.click();
      }
    }
  });

  // After a swap: in the review session, focus the new card; on a lesson page, a keyboard
  // rating moves on to the next card.
  document.addEventListener("htmx:afterSettle", function (event) {
    var target = event.detail.target;
    if (!target || !target.id) return;
    var fresh = document.getElementById(target.id) || target;
    if (target.id === "review-session") {
      var summary = fresh.querySelector("details.answer > summary");
      (summary || fresh).focus({ preventScroll: false });
      ratedByKeyboard = false;
    } else if (target.id.indexOf("rating-") === 0 && ratedByKeyboard) {
      ratedByKeyboard = false;
      var current = fresh.closest(".study-card");
      var next = current && current.nextElementSibling;
      while (next && !next.classList.contains("study-card")) next = next.nextElementSibling;
      if (next) {
        next.scrollIntoView({ block: "start" });
        var nextSummary = next.querySelector("details.answer > summary");
        if (nextSummary) nextSummary.focus({ preventScroll: true });
      }
    } else if (target.id === "mock-stage") {
      fresh.focus({ preventScroll: true });
      fresh.scrollIntoView({ block: "start" });
    }
  });

  // Mock interview countdown: counts from the seconds the server says are left (no clock skew),
  // announces the end and reveals the model answer with whatever notes were typed.
  function formatSeconds(total) {
    var minutes = Math.floor(total / 60);
    var seconds = total % 60;
    return minutes + ":" + (seconds < 10 ? "0" : "") + seconds;
  }

  function untimedKey(timer) { return "portal.mock-untimed." + (timer.dataset.mock || ""); }

  function stopTimer(timer) {
    timer.dataset.off = "1";
    timer.classList.remove("low");
    timer.classList.add("untimed");
    timer.removeAttribute("role");
    timer.textContent = "No time limit";
    var controls = timer.parentElement.querySelector("[data-timer-controls]");
    if (controls) controls.hidden = true;
  }

  function say(text) {
    var status = document.getElementById("countdown-status");
    if (status) status.textContent = text;
  }

  // "+1 minute" and "No timer" (WCAG 2.2.1): as often as needed; "No timer" holds for the rest
  // of this interview (kept for the browser tab, like the countdown itself).
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-timer]");
    if (!button) return;
    var timer = button.closest(".timer").querySelector(".countdown[data-seconds-left]");
    if (!timer || timer.dataset.expired || timer.dataset.off) return;
    if (button.dataset.timer === "more") {
      tick();
      timer.dataset.deadline = String(Number(timer.dataset.deadline) + 60000);
      tick();
      say("One more minute: " + timer.querySelector(".countdown-value").textContent + " left.");
    } else {
      try { window.sessionStorage.setItem(untimedKey(timer), "1"); } catch (e) { /* this page only */ }
      stopTimer(timer);
      say("Timer off for the rest of this interview. Take the time you need.");
    }
  });

  function showTimerControls() {
    document.querySelectorAll("[data-timer-controls]").forEach(function (controls) {
      controls.hidden = false;
    });
  }
  document.addEventListener("DOMContentLoaded", showTimerControls);
  document.addEventListener("htmx:afterSettle", showTimerControls);

  function tick() {
    document.querySelectorAll(".countdown[data-seconds-left]").forEach(function (timer) {
      if (timer.dataset.off) return;
      var untimed = false;
      try { untimed = window.sessionStorage.getItem(untimedKey(timer)) === "1"; } catch (e) { /* none */ }
      if (untimed) { stopTimer(timer); return; }
      if (!timer.dataset.deadline) {
        timer.dataset.deadline = String(Date.now() + Number(timer.dataset.secondsLeft) * 1000);
      }
      var left = Math.max(0, Math.ceil((Number(timer.dataset.deadline) - Date.now()) / 1000));
      var value = timer.querySelector(".countdown-value");
      if (value) value.textContent = formatSeconds(left);
      timer.classList.toggle("low", left > 0 && left <= 10);
      if (left === 0 && !timer.dataset.expired) {
        timer.dataset.expired = "1";
        timer.classList.add("expired");
        var status = document.getElementById("countdown-status");
        if (status) status.textContent = "Time's up. Showing the model answer.";
        var form = document.getElementById(timer.dataset.form);
        if (form) form.requestSubmit();
      }
    });
  }
  setInterval(tick, 250);
  document.addEventListener("DOMContentLoaded", tick);

  // Mock interview checklist: show the rating the ticked share will give.
  var RULES = [[1, "Easy"], [0.7, "Good"], [0.4, "Hard"], [0, "Again"]];
  function previewCoverage(form) {
    var preview = form.querySelector(".coverage-preview");
    if (!preview) return;
    var total = Number(preview.dataset.total) || 0;
    var ticked = form.querySelectorAll('input[name="covered"]:checked').length;
    var share = total ? ticked / total : 0;
    var label = RULES.filter(function (rule) { return share >= rule[0]; })[0][1];
    preview.textContent = ticked + " of " + total + " key points (" + Math.round(share * 100) + "%) → " + label;
  }
  document.addEventListener("change", function (event) {
    var form = event.target.closest && event.target.closest(".checklist-form");
    if (form) previewCoverage(form);
  });
  document.addEventListener("htmx:afterSettle", function () {
    document.querySelectorAll(".checklist-form").forEach(previewCoverage);
  });
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll(".checklist-form").forEach(previewCoverage);
  });
})();
