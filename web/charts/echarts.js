// The part of ECharts the console draws with, bundled by esbuild into web/build/echarts.js (served at
// /console/echarts.js): maps, scatter, line, bar and radar charts with their axes, geo, tooltips, legends and
// visual maps, on canvas. 0.5 MB against the full build's 1.1 MB, which the first screen paid ~450 ms of main
// thread to parse. A chart type or component the console starts to use is added here.
import * as echarts from 'echarts/core';
import { BarChart, LineChart, MapChart, RadarChart, ScatterChart } from 'echarts/charts';
import {
  GeoComponent, GridComponent, LegendComponent, RadarComponent, TooltipComponent, VisualMapContinuousComponent,
} from 'echarts/components';
import { CanvasRenderer } from 'echarts/renderers';

echarts.use([BarChart, LineChart, MapChart, RadarChart, ScatterChart, GeoComponent, GridComponent, LegendComponent,
  RadarComponent, TooltipComponent, VisualMapContinuousComponent, CanvasRenderer]);
window.echarts = echarts;
