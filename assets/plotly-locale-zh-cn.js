/* Plotly's zh-CN locale for charts when LANGUAGE=zh (dashboard/i18n.py plotly_config passes
   config.locale = "zh-CN"). Written for this project: only the date and number formats, since the
   cockpit hides Plotly's mode bar. Month names are numeric (1月 … 12月), so a default date tick
   or hover never shows an English month. Plotly reads window.PlotlyLocales when it loads;
   if it is already loaded the locale is registered at once. No network. */
(function () {
  "use strict";
  var months = [];
  for (var m = 1; m <= 12; m++) { months.push(m + "月"); }
  var locale = {
    moduleType: "locale",
    name: "zh-CN",
    dictionary: {},
    format: {
      days: ["星期日", "星期一", "星期二", "星期三", "星期四", "星期五", "星期六"],
      shortDays: ["周日", "周一", "周二", "周三", "周四", "周五", "周六"],
      months: months,
      shortMonths: months,
      periods: ["上午", "下午"],
      date: "%Y-%m-%d",
      decimal: ".",
      thousands: ",",
      grouping: [3],
      currency: ["¥", ""]
    }
  };
  if (typeof window.Plotly === "undefined" || !window.Plotly.register) {
    window.PlotlyLocales = window.PlotlyLocales || [];
    window.PlotlyLocales.push(locale);
  } else {
    window.Plotly.register(locale);
  }
})();
