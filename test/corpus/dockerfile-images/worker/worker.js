// The worker image's own process: one line per tide computed.
let tide = 0;
setInterval(() => console.log(`tide ${++tide} computed in the ${process.env.IMAGE_ROLE} image`), 1000);
