// The SPARQL page: YASGUI (vendored, static/vendor/yasgui/) on this server's /sparql, with the
// dataset's prefixes and its named queries as example tabs. Reads its settings from the page's
// JSON block (no inline script), keeps nothing in the browser's storage, and asks no outside service.
(function () {
  "use strict";
  var holder = document.getElementById("yasgui");
  var settings = document.getElementById("sparql-settings");
  if (!holder || !settings || typeof Yasgui === "undefined") return;
  var config = JSON.parse(settings.textContent);
  var run = window.location.hash === "#run"; // read first: YASGUI keeps its tab in the hash
  var endpoint = new URL(config.endpoint, window.location.href).href;
  var request = { endpoint: endpoint, method: "POST" };
  var fallback = document.getElementById("sparql-form");
  if (fallback) fallback.hidden = true;
  var yasgui = new Yasgui(holder, {
    requestConfig: request,
    copyEndpointOnNewTab: true,
    persistenceId: null,
    autoAddOnInit: false,
    endpointCatalogueOptions: { getData: function () { return [{ endpoint: endpoint }]; } },
    yasqe: { autocompleters: ["prefixes", "variables"] },
  });
  config.tabs.forEach(function (tab, i) {
    yasgui.addTab(i === 0, { name: tab.name, yasqe: { value: tab.query }, requestConfig: request });
  });
  // A link ending in #run runs the first tab's query at once (a shared link to results).
  if (run) {
    window.setTimeout(function () { yasgui.getTab().query(); }, 300);
  }
  window.pledgegraphYasgui = yasgui;
})();
