// The web image: the harbour's page, on $PORT.
require('node:http')
  .createServer((req, res) => res.end(`Harbour tides, from the ${process.env.IMAGE_ROLE} image.\n`))
  .listen(Number(process.env.PORT));
