module.exports = require('./shared-dir').setup;
