const express = require('express');

const app = express();

app.get('/', (req, res) => {
  res.json({ app: 'express-node-env', env: app.get('env'), nodeEnv: process.env.NODE_ENV ?? null, viewCache: Boolean(app.enabled('view cache')) });
});

app.get('/boom', () => {
  throw new Error('kaboom from a route handler');
});

app.listen(process.env.PORT, () => console.log(`express in ${app.get('env')} mode`));
