/** A minimal HTML page with `title` as its heading (the router's own answers: 400, 404, 503). */
export const errorPage = (title: string): string =>
  `<!DOCTYPE html><html><head><meta charset="utf-8"><title>${title}</title></head>` +
  `<body><h1>${title}</h1></body></html>\n`;

/** Heroku's page for a host no app has (404). */
export const NO_SUCH_APP_PAGE = errorPage('No such app');
/** Heroku's page for every H-code failure (503). */
export const APP_ERROR_PAGE = errorPage('Application error');
/** The page of an app in maintenance mode (503, H80). */
export const MAINTENANCE_PAGE = errorPage('Offline for Maintenance');
/** A request the router refuses to parse (400). */
export const BAD_REQUEST_PAGE = errorPage('Bad Request');

/** Reason phrases of the statuses the routers answer themselves. */
export const REASONS: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  404: 'Not Found',
  408: 'Request Timeout',
  414: 'URI Too Long',
  431: 'Request Header Fields Too Large',
  503: 'Service Unavailable',
};
