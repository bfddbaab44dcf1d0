const ms = require('ms');

exports.describeUptime = (seconds) => `up for ${ms(Math.round(seconds * 1000), { long: true })}`;
