// The APP's service worker: what makes it installable and open without a network. It keeps only the APP's own
// code — the shell page and the hashed scripts and styles, which never change under their names — and never an
// answer of the platform or the identity system: balances, statements and tokens are a person's data and stay
// off the device. Offline, the shell opens and its pages say the network is unavailable.
const CACHE = "hpf-app-shell-v1";
const SHELL = "/app/";

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.add(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(caches.keys()
    .then((names) => Promise.all(names.filter((n) => n !== CACHE).map((n) => caches.delete(n))))
    .then(() => self.clients.claim()));
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) {
    return; // the platform's API calls carry tokens and answers of a person: straight to the network
  }
  if (url.pathname.startsWith("/assets/")) {
    event.respondWith(caches.match(request).then((hit) => hit || fetch(request).then((response) => {
      if (response.ok) {
        const copy = response.clone();
        caches.open(CACHE).then((cache) => cache.put(request, copy));
      }
      return response;
    })));
  } else if (request.mode === "navigate" && url.pathname.startsWith("/app/")) {
    // the page from the network when there is one (a new release), the kept shell when there is not
    event.respondWith(fetch(request).catch(() => caches.match(SHELL)));
  }
});
