// Schoolbel's service worker: shows a push message (a title and a path, never a message body)
// and opens that page when it is clicked.
self.addEventListener('push', (event) => {
  let data = { title: 'Schoolbel', url: '/' };
  try { data = event.data ? event.data.json() : data; } catch (e) { /* not JSON: keep the default */ }
  event.waitUntil(self.registration.showNotification(data.title || 'Schoolbel', { data: { url: data.url || '/' }, tag: data.url }));
});
self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const url = (event.notification.data && event.notification.data.url) || '/';
  event.waitUntil(self.clients.openWindow(url.startsWith('/') && !url.startsWith('//') ? url : '/'));
});
