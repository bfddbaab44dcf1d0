-- Heroku's H12 for HAProxy 2.6 (packages/router-haproxy, README "Timeouts"), loaded by the generated haproxy.cfg
-- (`lua-load-per-thread`). An app backend's `tcp-response content` rules call this action once a dyno has sent no
-- response byte within the first-byte timeout of the connection to it: the client gets 503 with the
-- application-error page, the access log line gets `txn.code` H12, and the dyno's connection is closed. The
-- mid-response window stays with `timeout server`. It never runs for a request answered in time.
--
--   tcp-response content lua.platform-h12 <dir>/app-error.html if { ... }

local pages = {}

-- The page's text, read once per path (per thread: each has its own Lua state).
local function page(path)
  local text = pages[path]
  if text == nil then
    local file = io.open(path, 'rb')
    if file then
      text = file:read('a')
      file:close()
    end
    text = text or 'Application error\n'
    pages[path] = text
  end
  return text
end

core.register_action('platform-h12', { 'tcp-res' }, function(txn, path)
  txn:set_var('txn.code', 'H12')
  txn:done(txn:reply({
    status = 503,
    reason = 'Service Unavailable',
    headers = {
      ['content-type'] = { 'text/html; charset=utf-8' },
      ['cache-control'] = { 'no-cache, no-store' },
    },
    body = page(path),
  }))
end, 1)
