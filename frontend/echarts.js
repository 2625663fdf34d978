// The ECharts the web app serves as /pkg/echarts.min.js: only the chart types and components
// that frontend/src/chart.rs draws with, bundled by scripts/build-frontend.sh (esbuild) into
// one script that defines the global `echarts`, like ECharts' full build does. A chart type or
// component the options start to use must be added here, or ECharts leaves it out silently.
import { use } from "echarts/core";
import { BarChart, LineChart, PieChart, ScatterChart } from "echarts/charts";
import { GridComponent, LegendComponent, TooltipComponent } from "echarts/components";
import { CanvasRenderer } from "echarts/renderers";

use([BarChart, LineChart, PieChart, ScatterChart, GridComponent, LegendComponent, TooltipComponent,
     CanvasRenderer]);

export * from "echarts/core";
