/* Reading offline: the service worker, served at /sw.js so that its scope is the whole site.
 *
 * What it keeps: in PAGES, the pages the server lists in /offline/manifest for the signed-in
 * person (My training, the home page, the page shown for what needs the server, the courses
 * assigned to them and those they asked to keep, with their modules and images, the layout's
 * style and script); in SHELL, fetched without cookies, the page for what needs the server as
 * shown to nobody signed in and the layout's files. Nothing else is ever stored, and nothing
 * from another origin.
 *
 * Pages: the network first; a kept page is refreshed from every answer, and served from the
 * cache, marked as an offline copy with the moment it was saved, when the network fails. A page
 * not kept gets the cached "not available offline" page instead of the browser's error.
 *
 * "Mark this module as done" pressed with no network is queued (IndexedDB) with the moment it
 * was pressed, and sent when a page finds the connection back: with a fresh CSRF token from
 * /offline/token (the token in a kept page may belong to a session that ended), and only under
 * the session of the person who pressed it. The server records a mark once, however often sent.
 *
 * The state (whose copies these are, each course's revision, size and saving time, the courses
 * asked for) is one IndexedDB record. A manifest for another account erases every copy first.
 * Over the size limit the server sets, the courses saved longest ago are dropped first. Signing
 * out erases the copies (here, and the server's Clear-Site-Data header), as does any page shown
 * to nobody signed in. Signing out with no connection erases them at once and ends the session
 * on the server at the next visit online.
 */
'use strict';

var PAGES = 'lms-offline-pages-v1';
// Not personal, kept when the copies are erased: the page for what needs the server as shown
// to nobody signed in, and the layout's files (fetched without cookies).
var SHELL = 'lms-offline-shell-v1';
var DB_NAME = 'lms-offline';
var SYNC_EVERY_MS = 60 * 1000;
var SAVED_HEADER = 'X-Offline-Saved';
var DONE_PATH = /^\/courses\/[^/]+\/modules\/[^/]+\/done$/;
var FLASH = /<p class="flash[^"]*"[^>]*>[\s\S]*?<\/p>\s*/g;
var PAGE_USER = /data-offline-user="(\d*)"/;
var ANONYMOUS_SHELL = ['/offline', '/static/lms.css', '/static/offline.js', '/static/favicon.svg'];

/* ---- IndexedDB: the state record and the queue of marks ---- */

function openDb() {
  return new Promise(function (resolve, reject) {
    var request = indexedDB.open(DB_NAME, 1);
    request.onupgradeneeded = function () {
      request.result.createObjectStore('meta');
      request.result.createObjectStore('queue', { keyPath: 'id', autoIncrement: true });
    };
    request.onsuccess = function () { resolve(request.result); };
    request.onerror = function () { reject(request.error); };
  });
}

function withStore(name, mode, work) {
  return openDb().then(function (db) {
    return new Promise(function (resolve, reject) {
      var transaction = db.transaction(name, mode);
      var request = work(transaction.objectStore(name));
      transaction.oncomplete = function () { db.close(); resolve(request ? request.result : undefined); };
      transaction.onerror = transaction.onabort = function () { db.close(); reject(transaction.error); };
    });
  });
}

function emptyState(user) {
  return { user: user, limit: 0, courses: {}, shell: { urls: [], bytes: 0 }, wanted: [],
           evicted: {}, tooBig: {}, lastSync: 0 };
}

function readState() {
  return withStore('meta', 'readonly', function (store) { return store.get('state'); })
    .then(function (state) { return state || emptyState(null); });
}

function writeState(state) {
  return withStore('meta', 'readwrite', function (store) { return store.put(state, 'state'); });
}

function queued() {
  return withStore('queue', 'readonly', function (store) { return store.getAll(); });
}

function unqueue(id) {
  return withStore('queue', 'readwrite', function (store) { return store.delete(id); });
}

function enqueue(entry) {
  // One mark per person and module: pressed twice offline, the first moment counts.
  return queued().then(function (entries) {
    var same = entries.some(function (e) { return e.user === entry.user && e.url === entry.url; });
    if (same) return undefined;
    return withStore('queue', 'readwrite', function (store) { return store.add(entry); });
  });
}

/* One change of the state at a time (a sync, a request to keep a course, a sign-out). */
var running = Promise.resolve();
function serially(work) {
  var next = running.then(work, work);
  running = next.catch(function () {});
  return next;
}

/* ---- The cache ---- */

function sameOrigin(url) { return new URL(url, self.location.href).origin === self.location.origin; }

function pathOf(url) { return new URL(url, self.location.href).pathname; }

/* A response as kept: the page without its one-time messages, stamped with the saving time. */
function keepable(response) {
  var type = response.headers.get('Content-Type') || '';
  var body = type.indexOf('text/html') === 0
    ? response.text().then(function (text) { return text.replace(FLASH, ''); })
    : response.blob();
  return body.then(function (content) {
    var headers = new Headers(response.headers);
    headers.delete('Content-Length');
    headers.set(SAVED_HEADER, new Date().toISOString());
    var blob = new Blob([content], { type: type });
    return { response: new Response(blob, { status: 200, headers: headers }), bytes: blob.size,
             text: typeof content === 'string' ? content : null };
  });
}

function fetchForKeeping(url) {
  return fetch(url, { credentials: 'same-origin', redirect: 'manual', cache: 'no-store' })
    .then(function (response) {
      if (!response.ok) throw new Error('not kept: ' + url + ' ' + response.status);
      return keepable(response);
    });
}

function pageUser(kept) {
  if (kept.text === null) return undefined;
  var match = PAGE_USER.exec(kept.text);
  return match ? match[1] : undefined;
}

function eraseCopies() {
  return caches.delete(PAGES).then(function () {
    return withStore('meta', 'readwrite', function (store) { return store.delete('state'); });
  });
}

/* The page for what needs the server, and the layout's files: not personal (no cookies). */
function precacheShell() {
  return caches.open(SHELL).then(function (cache) {
    return Promise.all(ANONYMOUS_SHELL.map(function (url) {
      return cache.match(url).then(function (found) {
        if (found) return undefined;
        return fetch(url, { credentials: 'omit', redirect: 'manual', cache: 'no-store' })
          .then(function (response) {
            if (!response.ok) return undefined;
            return keepable(response).then(function (kept) { return cache.put(url, kept.response); });
          }).catch(function () {});
      });
    }));
  });
}

function totalBytes(state, except) {
  var total = state.shell.bytes;
  Object.keys(state.courses).forEach(function (slug) {
    if (slug !== except) total += state.courses[slug].bytes;
  });
  return total;
}

function urlsInUse(state, except) {
  var used = new Set(state.shell.urls);
  Object.keys(state.courses).forEach(function (slug) {
    if (slug !== except) state.courses[slug].urls.forEach(function (url) { used.add(url); });
  });
  return used;
}

function dropCourse(cache, state, slug) {
  var course = state.courses[slug];
  var used = urlsInUse(state, slug);
  delete state.courses[slug];
  return Promise.all(course.urls.filter(function (url) { return !used.has(url); })
    .map(function (url) { return cache.delete(url); }));
}

/* Fetch a course's pages whole (an old copy stays until the new one is complete), make room
 * for it by dropping the courses saved longest ago, then store it. */
function saveCourse(cache, state, course) {
  return Promise.all(course.urls.map(fetchForKeeping)).then(function (pages) {
    var user = String(state.user);
    if (pages.some(function (kept) { var who = pageUser(kept); return who !== undefined && who !== user; })) {
      throw new Error('pages of another account');
    }
    var bytes = pages.reduce(function (sum, kept) { return sum + kept.bytes; }, 0);
    var drops = [];
    var others = Object.keys(state.courses).filter(function (slug) { return slug !== course.slug; })
      .sort(function (a, b) { return state.courses[a].saved.localeCompare(state.courses[b].saved); });
    while (totalBytes(state, course.slug) + bytes > state.limit && others.length) {
      var oldest = others.shift();
      state.evicted[oldest] = state.courses[oldest].revision;
      drops.push(dropCourse(cache, state, oldest));
    }
    return Promise.all(drops).then(function () {
      if (totalBytes(state, course.slug) + bytes > state.limit) {
        state.tooBig[course.slug] = course.revision;
        return state.courses[course.slug] ? dropCourse(cache, state, course.slug) : undefined;
      }
      var stale = state.courses[course.slug];
      var old = stale ? stale.urls.filter(function (url) { return course.urls.indexOf(url) < 0; }) : [];
      delete state.tooBig[course.slug];
      delete state.evicted[course.slug];
      state.courses[course.slug] = { revision: course.revision, urls: course.urls, bytes: bytes,
                                     saved: new Date().toISOString(), title: course.title,
                                     auto: course.auto };
      var used = urlsInUse(state, null);
      return Promise.all(pages.map(function (kept, i) { return cache.put(course.urls[i], kept.response); })
        .concat(old.filter(function (url) { return !used.has(url); })
          .map(function (url) { return cache.delete(url); })));
    });
  });
}

function saveShell(cache, state, urls) {
  return Promise.all(urls.map(fetchForKeeping)).then(function (pages) {
    var user = String(state.user);
    var bytes = 0;
    return Promise.all(pages.map(function (kept, i) {
      var who = pageUser(kept);
      if (who !== undefined && who !== '' && who !== user) throw new Error('pages of another account');
      bytes += kept.bytes;
      return cache.put(urls[i], kept.response);
    })).then(function () { state.shell = { urls: urls, bytes: bytes }; });
  });
}

/* Bring the copies in line with the server's list: the person's courses, current revisions. */
function sync(force) {
  return serially(function () {
    return readState().then(function (state) {
      if (!force && Date.now() - state.lastSync < SYNC_EVERY_MS) return state;
      var query = state.wanted.map(function (slug) { return 'course=' + encodeURIComponent(slug); }).join('&');
      return fetch('/offline/manifest' + (query ? '?' + query : ''),
                   { credentials: 'same-origin', redirect: 'manual', cache: 'no-store',
                     headers: { Accept: 'application/json' } })
        .then(function (response) {
          if (!response.ok) return state; // not signed in (a redirect), or the server failed
          return response.json().then(function (manifest) { return applyManifest(state, manifest); });
        });
    });
  });
}

function applyManifest(state, manifest) {
  var fresh = state.user === manifest.user ? Promise.resolve(state)
    : caches.delete(PAGES).then(function () { return emptyState(manifest.user); });
  return fresh.then(function (current) {
    state = current;
    state.limit = manifest.limit_bytes;
    state.user = manifest.user;
    return caches.open(PAGES);
  }).then(function (cache) {
    var listed = {};
    manifest.courses.forEach(function (course) { listed[course.slug] = course; });
    var gone = Object.keys(state.courses).filter(function (slug) { return !listed[slug]; });
    state.wanted = state.wanted.filter(function (slug) { return listed[slug]; });
    var work = Promise.all(gone.map(function (slug) { return dropCourse(cache, state, slug); }))
      .then(function () { return saveShell(cache, state, manifest.shell); });
    manifest.courses.forEach(function (course) {
      var have = state.courses[course.slug];
      if (have && have.revision === course.revision) return;
      if (state.evicted[course.slug] === course.revision || state.tooBig[course.slug] === course.revision) return;
      work = work.then(function () { return saveCourse(cache, state, course); });
    });
    return work.then(function () {
      state.lastSync = Date.now();
      return writeState(state).then(function () { return state; });
    }, function (error) {
      // A page that did not come (the connection dropped): what was saved stays, and the next
      // visit online tries again.
      return writeState(state).then(function () { throw error; });
    });
  });
}

/* Send the queued marks, as the person who pressed them, with a fresh token. */
function flush() {
  return queued().then(function (entries) {
    if (!entries.length) return 0;
    return fetch('/offline/token', { credentials: 'same-origin', redirect: 'manual', cache: 'no-store',
                                     headers: { Accept: 'application/json' } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (session) {
        if (!session) return 0;
        var sent = 0;
        var chain = Promise.resolve(true);
        entries.filter(function (entry) { return entry.user === session.user; }).forEach(function (entry) {
          chain = chain.then(function (going) {
            if (!going) return false;
            var body = new URLSearchParams();
            body.set('csrf_token', session.csrf_token);
            body.set('done_at', String(Math.floor(entry.at / 1000)));
            return fetch(entry.url, { method: 'POST', body: body, credentials: 'same-origin',
                                      redirect: 'manual', headers: { Accept: 'application/json' } })
              .then(function (response) {
                // Recorded (or recorded before), or never recordable (no longer enrolled, the
                // module removed): done with it. Anything else: keep it, try at the next visit.
                if (response.ok || response.status === 403 || response.status === 404) {
                  if (response.ok) sent += 1;
                  return unqueue(entry.id).then(function () { return true; });
                }
                return false;
              });
          });
        });
        return chain.then(function () { return sent; });
      });
  }).catch(function () { return 0; });
}

/* Answers the page: whether a sign-out was just finished, and whether anything still waits
 * (marks not sent, a sign-out not finished: the page asks again a little later). */
function flushThenSync(force) {
  return finishSignOut().catch(function () { return false; }).then(function (signedOut) {
    if (!signedOut) {
      return flushThenSyncSignedIn(force).then(function () {
        return Promise.all([queued(), withStore('meta', 'readonly', function (store) { return store.get('signOut'); })]);
      }).then(function (waiting) {
        return { signedOut: false, waiting: waiting[0].length > 0 || Boolean(waiting[1]) };
      });
    }
    return self.clients.matchAll({ type: 'window', includeUncontrolled: true }).then(function (windows) {
      windows.forEach(function (client) { client.postMessage({ type: 'signed-out' }); });
      return { signedOut: true };
    });
  });
}

function flushThenSyncSignedIn(force) {
  return flush().then(function (sent) {
    // What was sent changed the person's progress: the kept pages show it after this sync.
    return sync(force || sent > 0).catch(function () {}).then(function () {
      if (!sent) return;
      return self.clients.matchAll({ type: 'window' }).then(function (windows) {
        windows.forEach(function (client) { client.postMessage({ type: 'flushed', sent: sent }); });
      });
    });
  });
}

function status() {
  return Promise.all([readState(), queued()]).then(function (results) {
    var state = results[0];
    return { user: state.user, courses: state.courses, wanted: state.wanted, tooBig: state.tooBig,
             pending: results[1].filter(function (entry) { return entry.user === state.user; })
               .map(function (entry) { return { url: entry.url, at: entry.at }; }) };
  });
}

function keep(slug) {
  // In turn with a sync under way, which would otherwise write back the list without it.
  return serially(function () {
    return readState().then(function (state) {
      if (state.wanted.indexOf(slug) < 0) state.wanted.push(slug);
      delete state.evicted[slug];
      delete state.tooBig[slug];
      return writeState(state);
    });
  }).then(function () { return sync(true); }).then(function (state) {
    return { kept: Boolean(state.courses[slug]), tooBig: Boolean(state.tooBig[slug]),
             course: state.courses[slug] || null };
  });
}

/* ---- Answers to the pages ---- */

function offlineCopy(cached) {
  return cached.text().then(function (text) {
    var saved = cached.headers.get(SAVED_HEADER) || '';
    var headers = new Headers(cached.headers);
    headers.delete('Content-Length');
    text = text.replace('hidden data-offline-banner', 'data-offline-banner data-saved-at="' + saved + '"');
    return new Response(text, { status: 200, headers: headers });
  });
}

/* The page for what needs the server: the person's own copy (their menu, their language), else
 * the one for nobody signed in; marked so that its script knows it stands in for another page. */
function unavailable(change) {
  return caches.match('/offline', { cacheName: PAGES }).then(function (cached) {
    return cached || caches.match('/offline', { cacheName: SHELL });
  }).then(function (cached) {
    if (!cached) return new Response('Offline', { status: 503, headers: { 'Content-Type': 'text/plain' } });
    return cached.text().then(function (text) {
      var headers = new Headers(cached.headers);
      headers.delete('Content-Length');
      text = text.replace('hidden data-offline-banner', 'hidden data-offline-banner data-offline-fallback');
      return new Response(change ? change(text) : text, { status: 503, headers: headers });
    });
  });
}

function page(request) {
  var path = pathOf(request.url);
  return fetch(request).then(function (response) {
    if (response.ok && !response.redirected && response.type === 'basic') {
      // A kept page seen online: the copy follows it (the same account's, current revision).
      var copy = response.clone();
      caches.open(PAGES).then(function (cache) {
        return cache.match(path).then(function (found) {
          if (!found) return undefined;
          return readState().then(function (state) {
            return keepable(copy).then(function (kept) {
              if (pageUser(kept) !== String(state.user)) return undefined;
              return cache.put(path, kept.response);
            });
          });
        });
      }).catch(function () {});
    }
    return response;
  }, function () {
    return caches.match(path).then(function (cached) {
      return cached ? offlineCopy(cached) : unavailable();
    });
  });
}

function markDone(request) {
  var pressed = Date.now();
  return fetch(request).catch(function () {
    var path = pathOf(request.url);
    return readState().then(function (state) {
      if (state.user === null) return unavailable();
      return enqueue({ url: path, user: state.user, at: pressed }).then(function () {
        return Response.redirect(new URL(path.replace(/\/done$/, ''), self.location.href).href, 303);
      });
    });
  });
}

function signOut(request) {
  // The marks waiting are sent first (the session still holds); the copies go in any case.
  // With no connection the copies go at once, and the session itself is ended at the next
  // visit online (finishSignOut): the page says so.
  return flush().catch(function () {}).then(function () {
    return fetch(request).then(function (response) {
      return serially(eraseCopies).catch(function () {}).then(function () { return response; });
    }, function () {
      return serially(function () {
        return eraseCopies().then(function () {
          return withStore('meta', 'readwrite', function (store) { return store.put(true, 'signOut'); });
        });
      }).catch(function () {}).then(function () {
        return unavailable(function (text) {
          return text.replace('hidden data-offline-signed-out', 'data-offline-signed-out');
        });
      });
    });
  });
}

/* A sign-out pressed offline: end the session now that the server answers. Pages that load
 * meanwhile (signed in a moment before) hear of it and reload: by this worker's message, or by
 * the answer to their own 'sync' while it is in flight or just done. */
var finishing = null;
var signedOutAt = 0;
function finishSignOut() {
  if (finishing) return finishing;
  finishing = endPendingSession().then(function (done) {
    if (done) signedOutAt = Date.now();
    return done;
  });
  finishing.then(function () { finishing = null; }, function () { finishing = null; });
  return finishing.then(function (done) { return done || Date.now() - signedOutAt < 30000; });
}

function endPendingSession() {
  return withStore('meta', 'readonly', function (store) { return store.get('signOut'); }).then(function (pending) {
    if (!pending) return false;
    return fetch('/offline/token', { credentials: 'same-origin', redirect: 'manual', cache: 'no-store',
                                     headers: { Accept: 'application/json' } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (session) {
        if (!session) return true; // signed out already (the session ended on the server)
        var body = new URLSearchParams();
        body.set('csrf_token', session.csrf_token);
        return fetch('/logout', { method: 'POST', body: body, credentials: 'same-origin', redirect: 'manual' })
          .then(function (response) { return response.type === 'opaqueredirect' || response.ok; });
      })
      .then(function (done) {
        if (!done) return false;
        return withStore('meta', 'readwrite', function (store) { return store.delete('signOut'); })
          .then(function () { return serially(eraseCopies); })
          .then(function () { return true; });
      });
  });
}

function networkThenCache(request) {
  var path = pathOf(request.url);
  return fetch(request).then(function (response) {
    if (response.ok) {
      var copy = response.clone();
      Promise.all([PAGES, SHELL].map(function (name) {
        return caches.open(name).then(function (cache) {
          return cache.match(path).then(function (found) {
            return found ? keepable(copy.clone()).then(function (kept) { return cache.put(path, kept.response); }) : undefined;
          });
        });
      })).catch(function () {});
    }
    return response;
  }, function () {
    return caches.match(path).then(function (cached) { return cached || Response.error(); });
  });
}

function cacheFirst(request) {
  // Images are addressed by their content's hash: a kept copy is always the current one.
  return caches.match(pathOf(request.url)).then(function (cached) { return cached || fetch(request); });
}

self.addEventListener('install', function (event) {
  event.waitUntil(precacheShell().then(function () { return self.skipWaiting(); }));
});

self.addEventListener('activate', function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (name) { return name !== PAGES && name !== SHELL; })
      .map(function (name) { return caches.delete(name); }));
  }).then(function () { return self.clients.claim(); }));
});

self.addEventListener('fetch', function (event) {
  var request = event.request;
  if (!sameOrigin(request.url)) return;
  var path = pathOf(request.url);
  if (request.method === 'POST') {
    if (path === '/logout') event.respondWith(signOut(request));
    else if (request.mode === 'navigate' && DONE_PATH.test(path)) event.respondWith(markDone(request));
    else if (request.mode === 'navigate') event.respondWith(fetch(request).catch(function () { return unavailable(); }));
    return;
  }
  if (request.method !== 'GET') return;
  if (request.mode === 'navigate') event.respondWith(page(request));
  else if (path.indexOf('/media/') === 0) event.respondWith(cacheFirst(request));
  else if (path.indexOf('/static/') === 0) event.respondWith(networkThenCache(request));
});

self.addEventListener('message', function (event) {
  var message = event.data || {};
  var port = event.ports && event.ports[0];
  var work;
  if (message.type === 'sync') work = flushThenSync(Boolean(message.force));
  else if (message.type === 'keep' && typeof message.slug === 'string') work = keep(message.slug);
  else if (message.type === 'status') work = status();
  else if (message.type === 'clear') {
    // A page for nobody signed in: whatever was kept belonged to a sign-in that has ended.
    work = serially(eraseCopies).then(function () {
      return withStore('meta', 'readwrite', function (store) { return store.delete('signOut'); });
    });
  }
  else return;
  event.waitUntil(work.then(function (result) {
    if (port) port.postMessage({ ok: true, result: result === undefined ? null : result });
  }, function (error) {
    if (port) port.postMessage({ ok: false, error: String(error) });
  }));
});
