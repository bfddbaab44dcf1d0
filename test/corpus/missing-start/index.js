// A library-like repo pushed by mistake: nothing here listens on $PORT.
module.exports = { answer: 42 };
