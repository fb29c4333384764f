// Build with webpack's Node API (no webpack-cli needed): node examples/webpack/build.mjs
import webpack from "webpack";
import config from "./webpack.config.mjs";

const stats = await new Promise((resolve, reject) => webpack(config, (err, s) => (err ? reject(err) : resolve(s))));
if (stats.hasErrors()) {
  console.error(stats.toString({ all: false, errors: true }));
  process.exit(1);
}
