/* A tiny Node-API addon: adler32(buffer) -> number. Compiled by node-gyp during npm install. */
#include <node_api.h>
#include <stdint.h>

static napi_value Adler32(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value arg, result;
  void *data;
  size_t length;
  napi_get_cb_info(env, info, &argc, &arg, NULL, NULL);
  if (argc < 1 || napi_get_buffer_info(env, arg, &data, &length) != napi_ok) {
    napi_throw_type_error(env, NULL, "adler32 expects a Buffer");
    return NULL;
  }
  uint32_t a = 1, b = 0;
  const uint8_t *bytes = data;
  for (size_t i = 0; i < length; i++) {
    a = (a + bytes[i]) % 65521;
    b = (b + a) % 65521;
  }
  napi_create_uint32(env, (b << 16) | a, &result);
  return result;
}

NAPI_MODULE_INIT() {
  napi_value fn;
  napi_create_function(env, "adler32", NAPI_AUTO_LENGTH, Adler32, NULL, &fn);
  napi_set_named_property(env, exports, "adler32", fn);
  return exports;
}
