// Web push on this browser: register the service worker, subscribe with the platform's VAPID
// key and hand the subscription to the server (with the page's anti-forgery token).
(function () {
  const button = document.getElementById('push-subscribe');
  const status = document.getElementById('push-status');
  if (!button) return;
  if (!('serviceWorker' in navigator) || !('PushManager' in window)) {
    button.disabled = true;
    status.textContent = 'Deze browser kan geen pushmeldingen ontvangen.';
    return;
  }
  const toBytes = (base64url) => {
    const base64 = (base64url + '='.repeat((4 - base64url.length % 4) % 4)).replace(/-/g, '+').replace(/_/g, '/');
    return Uint8Array.from(atob(base64), c => c.charCodeAt(0));
  };
  button.addEventListener('click', async () => {
    try {
      const registration = await navigator.serviceWorker.register('/sw.js');
      const subscription = await registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: toBytes(button.dataset.key) });
      const json = subscription.toJSON();
      const response = await fetch(button.dataset.url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'X-CSRF-TOKEN': button.dataset.token },
        body: JSON.stringify({ endpoint: json.endpoint, keys: { p256dh: json.keys.p256dh, auth: json.keys.auth } }),
      });
      status.textContent = response.ok ? 'Pushmeldingen staan aan op dit toestel.' : 'Dat lukte niet; probeer het opnieuw.';
    } catch (e) {
      status.textContent = 'Pushmeldingen zijn niet toegestaan in deze browser.';
    }
  });
})();
