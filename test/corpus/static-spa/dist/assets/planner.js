// The client-side router of a single-page app: every path is this page, which reads where it is.
document.getElementById('app').textContent += ' Viewing ' + location.pathname;
