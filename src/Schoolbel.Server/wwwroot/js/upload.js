// Uploads a file with a progress bar. The bytes go as the request body (no multipart), so the
// server streams them to storage while hashing. The anti-forgery token travels in a header.
(function () {
  'use strict';
  var form = document.getElementById('upload-form');
  if (!form) { return; }
  var input = document.getElementById('upload-file');
  var button = document.getElementById('upload-button');
  var progress = document.getElementById('upload-progress');
  var status = document.getElementById('upload-status');
  var token = form.querySelector('input[name="__RequestVerificationToken"]');

  form.addEventListener('submit', function (event) {
    event.preventDefault();
    var file = input.files && input.files[0];
    if (!file) { return; }
    var url = new URL(form.dataset.uploadUrl, window.location.href);
    url.searchParams.set('name', file.name);
    var folder = form.querySelector('select[name="folderId"]');
    if (folder && folder.value) { url.searchParams.set('folderId', folder.value); }

    var xhr = new XMLHttpRequest();
    xhr.open('POST', url.toString());
    xhr.setRequestHeader('Content-Type', 'application/octet-stream');
    if (token) { xhr.setRequestHeader('X-CSRF-TOKEN', token.value); }
    xhr.upload.addEventListener('progress', function (e) {
      if (e.lengthComputable) {
        progress.value = Math.round(e.loaded * 100 / e.total);
        progress.textContent = progress.value + '%';
      }
    });
    xhr.addEventListener('load', function () {
      button.disabled = false;
      if (xhr.status >= 200 && xhr.status < 300) {
        progress.value = 100;
        status.textContent = form.dataset.textDone;
        status.className = 'ok';
        window.setTimeout(function () { window.location.reload(); }, 600);
        return;
      }
      var message = form.dataset.textFailed;
      try {
        var problem = JSON.parse(xhr.responseText);
        if (problem && problem.detail) { message = problem.detail; }
      } catch (ignored) { /* not JSON: keep the general message */ }
      status.textContent = message;
      status.className = 'error';
      progress.hidden = true;
    });
    xhr.addEventListener('error', function () {
      button.disabled = false;
      status.textContent = form.dataset.textFailed;
      status.className = 'error';
      progress.hidden = true;
    });
    button.disabled = true;
    progress.hidden = false;
    progress.value = 0;
    status.textContent = form.dataset.textBusy;
    status.className = '';
    xhr.send(file);
  });
}());
