/* CunBo Academy service worker: the app shell, the lessons a learner opens or saves, and a
   friendly page for the rest when there is no signal. Version {{ version }}. */
const SHELL = "cunbo-shell-{{ version }}";
const PAGES = "cunbo-pages";
const MEDIA = "cunbo-media";
const SHELL_URLS = {{ shell|tojson }};
const OFFLINE_URL = {{ offline_url|tojson }};

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(SHELL).then((cache) => cache.addAll(SHELL_URLS)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(caches.keys().then((keys) => Promise.all(
    keys.filter((key) => key.startsWith("cunbo-shell-") && key !== SHELL).map((key) => caches.delete(key))
  )).then(() => self.clients.claim()));
});

function cacheFirst(request, cacheName) {
  return caches.match(request).then((hit) => hit || fetch(request).then((response) => {
    if (response.ok) {
      const copy = response.clone();
      caches.open(cacheName).then((cache) => cache.put(request, copy));
    }
    return response;
  }));
}

/* Pages: always the freshest from the network (progress changes); the saved copy when offline. */
function networkFirst(request) {
  return fetch(request).then((response) => {
    if (response.ok && !response.redirected && response.type === "basic" && request.url.indexOf("/offline") === -1) {
      const copy = response.clone();
      caches.open(PAGES).then((cache) => cache.put(request, copy));
    }
    return response;
  }).catch(() => caches.match(request, { ignoreVary: true }).then((hit) => hit || caches.match(OFFLINE_URL)));
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  if (url.pathname.startsWith("/static/")) {
    event.respondWith(cacheFirst(request, SHELL));
  } else if (url.pathname.startsWith("/media/")) {
    event.respondWith(cacheFirst(request, MEDIA));
  } else if (request.mode === "navigate") {
    event.respondWith(networkFirst(request));
  }
});
