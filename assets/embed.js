/* /embed/<panel>?token=…: send the signed token with every request the page makes to its own app,
   and when the app refuses it (expired or revoked while the panel is open) say so over the panel. */
(function () {
  if (window.location.pathname.indexOf("/embed/") !== 0) { return; }
  var token = new URLSearchParams(window.location.search).get("token");
  if (!token) { return; }
  document.documentElement.classList.add("kiosk", "embed");
  var TEXT = {
    expired: ["嵌入链接已过期", "This embed link has expired"],
    revoked: ["嵌入链接已被撤销", "This embed link has been revoked"],
    tampered: ["嵌入链接无效", "This embed link is not valid"]
  };

  function showRefused(reason) {
    if (document.querySelector(".embed-refused")) { return; }
    var zh = (document.documentElement.lang || "zh").indexOf("zh") === 0 || !document.documentElement.lang;
    var words = TEXT[reason] || TEXT.tampered;
    var box = document.createElement("div");
    box.className = "embed-refused";
    box.setAttribute("role", "alert");
    box.setAttribute("data-refused", reason);
    box.textContent = zh ? words[0] : words[1];
    document.body.appendChild(box);
  }

  var ownFetch = window.fetch.bind(window);
  window.fetch = function (resource, init) {
    var url = new URL(typeof resource === "string" ? resource : resource.url, window.location.href);
    if (url.origin !== window.location.origin) { return ownFetch(resource, init); }
    init = Object.assign({}, init || {});
    var headers = new Headers(init.headers || (typeof resource === "string" ? {} : resource.headers));
    headers.set("X-Embed-Token", token);
    init.headers = headers;
    return ownFetch(resource, init).then(function (response) {
      var reason = response.headers.get("X-Link-Refused");
      if (response.status === 403 && reason) {
        if (reason !== "wrong panel") { showRefused(reason); }
        return new Response(null, {status: 204});  // Dash: nothing to update
      }
      return response;
    });
  };
})();
