// Chart.js, tree-shaken: only the controllers, elements and plugins the dashboard draws with are registered.
import { BarController, BarElement, CategoryScale, Chart, Legend, LineController, LineElement, LinearScale, PointElement, Tooltip, type ChartConfiguration } from 'chart.js';

Chart.register(BarController, BarElement, LineController, LineElement, PointElement, CategoryScale, LinearScale, Tooltip, Legend);

const PALETTE = ['--vscode-charts-blue', '--vscode-charts-orange', '--vscode-charts-green', '--vscode-charts-purple', '--vscode-charts-red', '--vscode-charts-yellow'];

export interface Theme {
  series: string[];
  foreground: string;
  grid: string;
  background: string;
  red: string;
  green: string;
}

/** The theme's colours, read from VS Code's CSS variables (again whenever the theme changes). */
export function readTheme(): Theme {
  const css = getComputedStyle(document.body);
  const v = (name: string, fallback: string) => css.getPropertyValue(name).trim() || fallback;
  const foreground = v('--vscode-foreground', '#888');
  return {
    series: PALETTE.map((p) => v(p, foreground)),
    foreground,
    grid: v('--vscode-editorWidget-border', v('--vscode-panel-border', 'rgba(128,128,128,0.3)')),
    background: v('--vscode-editor-background', 'transparent'),
    red: v('--vscode-charts-red', foreground),
    green: v('--vscode-charts-green', foreground),
  };
}

/** Axis, legend and tooltip colours of a theme: set before every chart is (re)built, on creation and on a theme change. */
export function themed<C>(config: C, theme: Theme): C {
  Chart.defaults.color = theme.foreground;
  Chart.defaults.borderColor = theme.grid;
  Chart.defaults.font.family = getComputedStyle(document.body).getPropertyValue('--vscode-font-family') || 'sans-serif';
  return config;
}

export { Chart, type ChartConfiguration };
