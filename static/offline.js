/* Reading offline, the page's side (the keeping is done by the service worker, static/sw.js):
 * registers the worker; on a copy served offline, says so and when it was saved; on a course
 * page, offers to keep the course (its size is in the button) or says it is kept; on a module
 * marked done offline, says that the mark waits for the connection; when the connection
 * returns, has the worker send the marks and refresh the copies. Without a service worker
 * (an old browser, a page not served over HTTPS) nothing of this shows and the site works
 * online as before. Texts come translated from the page (data-* attributes).
 */
(function () {
  'use strict';
  var banner = document.querySelector('[data-offline-banner]');
  if (!banner || !('serviceWorker' in navigator) || !window.MessageChannel) return;
  var user = banner.getAttribute('data-offline-user');
  var lang = document.documentElement.lang || 'vi';

  function moment(value) {
    var date = new Date(value);
    if (isNaN(date.getTime())) return '';
    try {
      return date.toLocaleString(lang === 'vi' ? 'vi-VN' : 'en-GB', {
        timeZone: 'Asia/Ho_Chi_Minh', day: '2-digit', month: '2-digit', year: 'numeric',
        hour: '2-digit', minute: '2-digit'
      });
    } catch (error) {
      return date.toLocaleString();
    }
  }

  function fill(element, template, time) {
    element.textContent = template.replace('{time}', moment(time));
  }

  function ask(worker, message) {
    return new Promise(function (resolve, reject) {
      var channel = new MessageChannel();
      channel.port1.onmessage = function (event) {
        if (event.data && event.data.ok) resolve(event.data.result);
        else reject(new Error(event.data ? event.data.error : 'no answer'));
      };
      worker.postMessage(message, [channel.port2]);
    });
  }

  var savedAt = banner.getAttribute('data-saved-at');
  if (savedAt) {
    fill(banner, banner.getAttribute('data-text'), savedAt);
    banner.hidden = false;
  }

  function showPending(status) {
    var form = document.querySelector('form[data-pending-text]');
    if (!form) return;
    var action = new URL(form.action, location.href).pathname;
    var mark = status.pending.filter(function (entry) { return entry.url === action; })[0];
    if (!mark) return;
    var note = document.createElement('p');
    note.className = 'offline-note';
    note.setAttribute('data-offline-pending', '');
    fill(note, form.getAttribute('data-pending-text'), mark.at);
    form.replaceWith(note);
  }

  function showKeep(worker, status) {
    var box = document.querySelector('[data-offline-keep]');
    if (!box) return;
    var slug = box.getAttribute('data-offline-keep');
    var button = box.querySelector('button');
    var line = box.querySelector('[data-offline-status]');
    function show(state) {
      var mine = state.user === undefined || String(state.user) === user;
      var course = mine && state.courses && state.courses[slug];
      if (course) {
        fill(line, box.getAttribute('data-kept-text'), course.saved);
        if (button) button.hidden = true;
      } else if (state.tooBig && state.tooBig[slug]) {
        line.textContent = box.getAttribute('data-too-big-text');
      } else if (!button) {
        line.textContent = box.getAttribute('data-auto-text');
      }
    }
    show(status);
    box.hidden = false;
    if (!button) return show;
    button.addEventListener('click', function () {
      button.disabled = true;
      line.textContent = box.getAttribute('data-working-text');
      ask(worker, { type: 'keep', slug: slug }).then(function (result) {
        button.disabled = false;
        if (result.kept) show({ courses: (function () { var c = {}; c[slug] = result.course; return c; })() });
        else line.textContent = box.getAttribute(result.tooBig ? 'data-too-big-text' : 'data-failed-text');
      }, function () {
        button.disabled = false;
        line.textContent = box.getAttribute('data-failed-text');
      });
    });
    return show;
  }

  navigator.serviceWorker.register(banner.getAttribute('data-worker'), { scope: '/' }).catch(function () {});

  navigator.serviceWorker.addEventListener('message', function (event) {
    var message = event.data || {};
    // Marks sent, or a sign-out pressed offline finished: the page shows what the server has.
    if ((message.type === 'flushed' && (savedAt || document.querySelector('[data-offline-pending]'))) ||
        message.type === 'signed-out') {
      location.reload();
    }
  });

  // The page for what needs the server, standing in for the page asked for.
  var standIn = banner.hasAttribute('data-offline-fallback');

  navigator.serviceWorker.ready.then(function (registration) {
    var worker = registration.active;
    var retries = 0;
    var showKept = null;
    function sync(force) {
      ask(worker, { type: 'sync', force: force }).then(function (result) {
        if (showKept && result && !result.signedOut) {
          // The course may have been saved by this sync: say so.
          ask(worker, { type: 'status' }).then(showKept).catch(function () {});
        }
        // A sign-out pressed offline was just finished: this page is of a session now ended.
        if (result && result.signedOut) {
          if (standIn) location.assign('/');
          else location.reload();
        } else if (result && result.waiting && navigator.onLine && retries < 10) {
          // The connection is back but weak: marks (or a sign-out) still wait; try again soon.
          retries += 1;
          setTimeout(function () { sync(true); }, 3000);
        }
      }).catch(function () {});
    }
    window.addEventListener('online', function () { retries = 0; sync(true); });
    if (!user) {
      // Nobody is signed in here (a page from the server): nothing kept may stay readable.
      if (!standIn) ask(worker, { type: 'clear' }).catch(function () {});
      return;
    }
    ask(worker, { type: 'status' }).then(function (status) {
      showPending(status);
      showKept = showKeep(worker, status) || null;
    }).catch(function () {}).then(function () {
      if (navigator.onLine && !savedAt && !standIn) sync(false);
    });
  });
}());
