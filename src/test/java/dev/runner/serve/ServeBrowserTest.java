package dev.runner.serve;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.NoAlertPresentException;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.interactions.Actions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The pages in a real browser (headless Chromium): the runs page over a root with a completed, a running, a
 * crashed, a failed (markup and ANSI escapes in its name and error), a damaged and a huge run and a sweep; a run's
 * loss curve against its metrics.json, the live run's curve growing, a comparison, brushing the parallel
 * coordinates, and the static report opened from disk. Each page is screenshot to target/serve-screenshots/.
 */
class ServeBrowserTest {
    @TempDir
    Path tmp;
    ResultsRoot r;
    Server server;
    ChromeDriver d;
    final Path shots = Path.of("target/serve-screenshots");

    @BeforeEach
    void start() throws Exception {
        d = Browser.start(tmp.resolve("profile"));
        r = new ResultsRoot(Files.createDirectories(tmp.resolve("results")));
        server = Server.start(r.root, "127.0.0.1", 0);
        Files.createDirectories(shots);
    }

    @AfterEach
    void stop() {
        if (d != null) d.quit();
        if (server != null) server.close();
        if (r != null) r.close();
    }

    private void open(String url) {
        d.get(url);
        ready();
    }

    /** Waits until the page says it has drawn what the address asks for. */
    private void ready() {
        new WebDriverWait(d, Duration.ofSeconds(15)).until(x -> d.executeScript(
                "return document.body.dataset.ready === (location.hash || '#/')").equals(Boolean.TRUE));
    }

    private void shot(String name) throws Exception {
        Files.write(shots.resolve(name + ".png"), d.getScreenshotAs(OutputType.BYTES));
    }

    private long points(String chart, int series) {
        return (Long) d.executeScript("return echarts.getInstanceByDom(document.getElementById(arguments[0]))"
                + ".getOption().series[arguments[1]].data.length", chart, series);
    }

    private void waitFor(Supplier<Boolean> cond) {
        new WebDriverWait(d, Duration.ofSeconds(10)).until(x -> cond.get());
    }

    private WebElement row(String id) {
        return d.findElement(By.cssSelector("#runs tr[data-id='" + id + "']"));
    }

    private static String id(Path root, Path folder) {
        return root.relativize(folder).toString();
    }

    @Test
    void runsRunLiveCompareSweepAndTheStaticReport() throws Exception {
        String base = "http://127.0.0.1:" + server.port() + "/";
        open(base);
        shot("runs");
        // every run listed, the unreadable ones with their error, the rest as usual
        List<WebElement> rows = d.findElements(By.cssSelector("#runs tbody tr"));
        assertThat(rows).hasSize(14);
        assertThat(row(id(r.root, r.damaged)).getText()).contains("unreadable").contains("metrics.json");
        assertThat(row(id(r.root, r.huge)).getText()).contains("more than the 64 MB read");
        assertThat(row(id(r.root, r.crashed)).getText()).contains("crashed");
        assertThat(row(id(r.root, r.running)).getText()).contains("running").contains("epoch 2 of 10, 1.9 min left");
        // markup and ANSI escapes shown as text, nothing run
        String evil = row(id(r.root, r.evil)).getText();
        // the markup name recorded in metrics.json is not a valid name: RunReader falls back to the experiment's;
        // the ANSI escapes are neutralised by RunReader before they reach any page or terminal
        assertThat(evil).contains("evil").doesNotContain(ResultsRoot.EVIL_NAME).doesNotContain("\u001b")
                .contains("<img src=x onerror=alert(2)>")
                .contains("[31mloss became NaN").contains("[1;31mfailed");
        assertThat(d.findElements(By.cssSelector("#runs script, #runs img"))).isEmpty();
        assertNoAlert();
        // filter by text and by status
        d.findElement(By.id("filter")).sendKeys("wider");
        assertThat(d.findElements(By.cssSelector("#runs tbody tr"))).hasSize(1);
        d.findElement(By.id("filter")).clear();
        d.executeScript("const s = document.getElementById('status-filter'); s.value = 'crashed';"
                + " s.dispatchEvent(new Event('input'));");
        assertThat(d.findElements(By.cssSelector("#runs tbody tr"))).hasSize(1);
        d.executeScript("const s = document.getElementById('status-filter'); s.value = '';"
                + " s.dispatchEvent(new Event('input'));");

        // click into the completed run: its loss curve has a point per iteration of metrics.json
        row(id(r.root, r.completed)).findElement(By.cssSelector("a.run-link")).click();
        ready();
        assertThat(points("chart-loss", 0)).isEqualTo(r.iterations(r.completed));
        assertThat(points("chart-accuracy", 0)).isEqualTo(3);
        assertThat(d.findElements(By.id("chart-confusion"))).hasSize(1);
        shot("run");
        d.executeScript("document.getElementById('chart-confusion').scrollIntoView()");
        shot("run-more");

        // the live run: its curve grows while the page is open
        open(base + "#/run/" + id(r.root, r.running));
        long before = points("chart-loss", 0);
        assertThat(before).isEqualTo(r.iterations(r.running));
        r.grow(25);
        waitFor(() -> points("chart-loss", 0) == before + 25);
        shot("run-live");

        // the failed run with markup in its name: shown as text
        open(base + "#/run/" + id(r.root, r.evil));
        assertThat(d.findElement(By.id("run-title")).getText()).contains("evil").doesNotContain("<script");
        assertThat(d.findElement(By.id("description")).getText()).isEqualTo(ResultsRoot.EVIL_DESCRIPTION);
        assertNoAlert();
        open(base + "#/compare/" + id(r.root, r.completed) + "," + id(r.root, r.evil));
        assertThat(d.findElement(By.id("config-diff")).getText()).contains("description The tutorial CNN "
                + ResultsRoot.EVIL_DESCRIPTION);
        assertNoAlert();
        open(base + "#/run/" + id(r.root, r.rangeTest));
        assertThat(points("chart-lr-range", 0)).isEqualTo(30);
        assertThat(points("chart-lr-range", 2)).isEqualTo(1);      // the suggestion
        assertThat(d.findElements(By.id("chart-loss"))).isEmpty();
        shot("run-range-test");
        open(base + "#/run/" + id(r.root, r.damaged));
        assertThat(d.findElement(By.id("run-error")).getText()).contains("metrics.json");

        // compare two runs: selected on the runs page
        open(base);
        row(id(r.root, r.completed)).findElement(By.cssSelector("input.pick")).click();
        row(id(r.root, r.other)).findElement(By.cssSelector("input.pick")).click();
        d.findElement(By.id("compare")).click();
        ready();
        String diff = d.findElement(By.id("config-diff")).getText();
        assertThat(diff).contains("model.layers.conv1.conv.filters 6 16").contains("optimizer.sgd.lr 1e-3 2e-3")
                .doesNotContain("seed").doesNotContain("layers[");
        assertThat(d.findElement(By.id("metrics")).getText()).contains("final test accuracy 49.00 % 54.00 % +5.00 pp");
        assertThat(points("chart-compare-accuracy", 1)).isEqualTo(3);
        shot("compare");
        d.executeScript("document.getElementById('metrics').scrollIntoView()");
        shot("compare-tables");

        // the sweep: a log axis for the learning rate, and brushing selects trials
        open(base + "#/sweep/" + id(r.root, r.sweep));
        assertThat(d.executeScript("return echarts.getInstanceByDom(document.getElementById('chart-parallel'))"
                + ".getOption().parallelAxis.map(a => a.type).join(',')")).isEqualTo("log,value,value");
        assertThat(d.findElement(By.id("brush-count")).getText()).isEqualTo("6 of 6 trials selected");
        WebElement par = d.findElement(By.id("chart-parallel"));
        // the batch-size axis (the second of three, between left 70 and right 90): drag from above its top (8)
        // to a third of the way down: the 3 trials at batch size 8
        int w = par.getSize().getWidth();
        int h = par.getSize().getHeight();
        int x = 70 + (w - 70 - 90) / 2 - w / 2;
        new Actions(d).moveToElement(par, x, -h / 2 + 42).clickAndHold().moveByOffset(0, 10)
                .moveByOffset(0, (h - 90) / 6).moveByOffset(0, (h - 90) / 6).release().perform();
        waitFor(() -> d.findElement(By.id("brush-count")).getText().equals("3 of 6 trials selected"));
        assertThat(d.findElements(By.cssSelector("#trials tbody tr.dim"))).hasSize(3);
        shot("sweep");
        d.executeScript("document.getElementById('trials').scrollIntoView()");
        shot("sweep-trials");

        // the same pages as static files, opened from disk
        Path site = tmp.resolve("site");
        StaticSite.write(r.root, site);
        open(site.resolve("index.html").toUri().toString());
        assertThat(d.findElements(By.cssSelector("#runs tbody tr"))).hasSize(14);
        row(id(r.root, r.completed)).findElement(By.cssSelector("a.run-link")).click();
        ready();
        assertThat(points("chart-loss", 0)).isEqualTo(r.iterations(r.completed));
        open(site.resolve("index.html").toUri() + "#/sweep/" + id(r.root, r.sweep));
        assertThat(d.findElement(By.id("brush-count")).getText()).isEqualTo("6 of 6 trials selected");
        shot("static-sweep");
        assertNoAlert();
    }

    private void assertNoAlert() {
        try {
            String text = d.switchTo().alert().getText();
            throw new AssertionError("a script from a results folder ran: alert(" + text + ")");
        } catch (NoAlertPresentException expected) {
            // nothing ran
        }
    }
}
