module.exports = require('./shared-dir').teardown;
