// libcurl from Debian's `libcurl4-openssl-dev` (/usr/include/<triple>/curl/curl.h, /usr/lib/*/libcurl.so).
// Only RosterHTTP imports this module, and only with `internal import`.
//
// `curl_easy_setopt` and `curl_easy_getinfo` are variadic, which Swift cannot call: the typed
// wrappers below are what Swift uses, one per argument type.
#ifndef ROSTER_CCURL_SHIM_H
#define ROSTER_CCURL_SHIM_H

#define CURL_DISABLE_TYPECHECK 1
#include <curl/curl.h>

/// `curl_easy_setopt` for an option that takes a `long`.
static inline CURLcode roster_curl_setopt_long(CURL *handle, CURLoption option, long value) {
  return curl_easy_setopt(handle, option, value);
}

/// `curl_easy_setopt` for an option that takes a `curl_off_t`.
static inline CURLcode roster_curl_setopt_off_t(CURL *handle, CURLoption option, curl_off_t value) {
  return curl_easy_setopt(handle, option, value);
}

/// `curl_easy_setopt` for an option that takes a C string (libcurl copies it).
static inline CURLcode roster_curl_setopt_string(CURL *handle, CURLoption option, const char *value) {
  return curl_easy_setopt(handle, option, value);
}

/// `curl_easy_setopt` for an option that takes a data pointer (`CURLOPT_WRITEDATA`, `CURLOPT_ERRORBUFFER`).
static inline CURLcode roster_curl_setopt_pointer(CURL *handle, CURLoption option, void *value) {
  return curl_easy_setopt(handle, option, value);
}

/// `curl_easy_setopt` for `CURLOPT_WRITEFUNCTION` and `CURLOPT_HEADERFUNCTION`.
static inline CURLcode roster_curl_setopt_write_callback(CURL *handle, CURLoption option,
                                                         curl_write_callback callback) {
  return curl_easy_setopt(handle, option, callback);
}

/// `curl_easy_getinfo` for a `long` result (`CURLINFO_RESPONSE_CODE`).
static inline CURLcode roster_curl_getinfo_long(CURL *handle, CURLINFO info, long *value) {
  return curl_easy_getinfo(handle, info, value);
}

/// `curl_easy_getinfo` for a `curl_off_t` result (`CURLINFO_CONTENT_LENGTH_DOWNLOAD_T`).
static inline CURLcode roster_curl_getinfo_off_t(CURL *handle, CURLINFO info, curl_off_t *value) {
  return curl_easy_getinfo(handle, info, value);
}

/// `curl_easy_getinfo` for a string result (`CURLINFO_CONTENT_TYPE`, `CURLINFO_EFFECTIVE_URL`); the
/// string belongs to the handle and may be NULL.
static inline CURLcode roster_curl_getinfo_string(CURL *handle, CURLINFO info, const char **value) {
  return curl_easy_getinfo(handle, info, (char **)value);
}

/// `curl_global_init(CURL_GLOBAL_ALL)`: called once, before the first handle.
static inline CURLcode roster_curl_global_init(void) { return curl_global_init(CURL_GLOBAL_ALL); }

/// The value a write callback returns to pause receiving (`CURL_WRITEFUNC_PAUSE`).
static inline size_t roster_curl_writefunc_pause(void) { return CURL_WRITEFUNC_PAUSE; }

/// `curl_easy_pause(handle, CURLPAUSE_CONT)`: receive again after a pause.
static inline CURLcode roster_curl_unpause(CURL *handle) { return curl_easy_pause(handle, CURLPAUSE_CONT); }

#endif
