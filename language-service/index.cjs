// colorless/language-service: tsserver loads plugins with require() and node10-style resolution (no package
// exports), which finds this folder. The plugin itself is an ES module; Node 20.19+ requires it synchronously.
"use strict";
module.exports = require("../dist/plugins/language-service.js").init;
