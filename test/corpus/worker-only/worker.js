// A queue consumer stand-in: "processes" a job every half second and says so on stdout.
let job = 0;
const timer = setInterval(() => {
  job += 1;
  console.log(`processed job ${job} on ${process.env.DYNO}`);
}, 500);

process.on('SIGTERM', () => {
  clearInterval(timer);
  console.log('worker shutting down');
  process.exit(0);
});
