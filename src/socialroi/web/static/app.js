// Behaviour of the dashboard pages (the Content-Security-Policy forbids inline script).
"use strict";
