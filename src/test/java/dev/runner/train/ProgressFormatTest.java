package dev.runner.train;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ProgressFormatTest {
    @Test
    void learningRatesAreShort() {
        assertThat(Trainer.shortNumber(0.001)).isEqualTo("0.001");
        assertThat(Trainer.shortNumber(0.004987654)).isEqualTo("0.00499");
        assertThat(Trainer.shortNumber(0.5)).isEqualTo("0.5");
        assertThat(Trainer.shortNumber(1.0)).isEqualTo("1");
        assertThat(Trainer.shortNumber(1.234e-7)).isEqualTo("1.2e-07");
        assertThat(Trainer.shortNumber(0)).isEqualTo("0.0");
    }
}
