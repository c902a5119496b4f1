package dev.runner.results;
import java.nio.file.*;
import java.util.*;
import org.junit.jupiter.api.Test;
class ScratchTest {
    @Test void show() throws Exception {
        Path root = Files.createDirectories(Path.of("/tmp/charts_view2"));
        Fixtures f = new Fixtures(7);
        List<String> cls = List.of("airplane","automobile","bird","cat","deer","dog","frog","horse","ship","truck");
        Map<String, Double> t = new LinkedHashMap<>(); int i = 0;
        for (double v : f.perClassTest.values()) t.put(cls.get(i++), v);
        Charts.confusionMatrix(root.resolve("cm.png"), "resnet9_aug", cls, f.confusion);
        Charts.perClassAccuracy(root.resolve("pc.png"), "resnet9_aug", cls, t, null, f.overallTest());
        float[] img = FeatureMapsTest.picture(0);
        float[][] maps = new float[64][16*16];
        Random r = new Random(1);
        for (float[] m : maps) for (int k = 0; k < m.length; k++) m[k] = (float) r.nextGaussian();
        long t0 = System.nanoTime();
        FeatureMaps.grid(root.resolve("fm64.png"), "resnet9", "layer1", List.of(new FeatureMaps.Sample(3, img, 3, 32, 32, maps, 16, 16)));
        double[] big = new double[25000];
        for (int k = 0; k < big.length; k++) big[k] = 2.3 * Math.exp(-k / 8000.0) + 0.3 * r.nextGaussian();
        long t1 = System.nanoTime();
        Charts.loss(root.resolve("loss25k.png"), "origin", big, 12500, new double[]{1.9, 1.4}, new double[]{1.6, 1.35});
        long t2 = System.nanoTime();
        System.out.printf("fm %.0f ms, loss25k %.0f ms%n", (t1-t0)/1e6, (t2-t1)/1e6);
    }
}
