package dev.runner.results;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class HumanTextTest {
    @Test
    void numbersAsPeopleWriteThem() {
        assertThat(HumanText.number(2e-3)).isEqualTo("2e-3");
        assertThat(HumanText.number(6.31e-4)).isEqualTo("6.31e-4");
        assertThat(HumanText.number(-1.5e-5)).isEqualTo("-1.5e-5");
        assertThat(HumanText.number(0.05)).isEqualTo("0.05");
        assertThat(HumanText.number(0.9)).isEqualTo("0.9");
        assertThat(HumanText.number(128.0)).isEqualTo("128");
        assertThat(HumanText.number(1500.25)).isEqualTo("1500.25");
        assertThat(HumanText.number(1.5e7)).isEqualTo("1.5e7");
        assertThat(HumanText.number(0)).isEqualTo("0");
        assertThat(HumanText.number(Double.NaN)).isEqualTo("nan");
        assertThat(HumanText.number(Double.NEGATIVE_INFINITY)).isEqualTo("-inf");
        for (double d : new double[] {2e-3, 6.31e-4, 1.5e7, 0.05, 1e-12, 123456.789}) {
            assertThat(Double.parseDouble(HumanText.number(d))).isEqualTo(d);
        }
    }

    @Test
    void structuresInFlowStyle() {
        Map<String, Object> conv = new LinkedHashMap<>();
        conv.put("filters", 6);
        conv.put("lr", 1e-3);
        conv.put("mode", "a b");
        assertThat(HumanText.value(Map.of("conv", conv))).isEqualTo("{conv: {filters: 6, lr: 1e-3, mode: \"a b\"}}");
        assertThat(HumanText.value(List.of(0.5, 0.25))).isEqualTo("[0.5, 0.25]");
        assertThat(HumanText.value("a b")).isEqualTo("a b");
        assertThat(HumanText.value(null)).isEqualTo("null");
    }
}
