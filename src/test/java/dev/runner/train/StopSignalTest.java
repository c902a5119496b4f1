package dev.runner.train;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class StopSignalTest {
    @Test
    void theShutdownHookRequestsAStopAndWaitsUntilTheTrainerHasSaved() throws Exception {
        StopSignal s = new StopSignal();
        s.begin();
        Thread hook = new Thread(s::onShutdown);
        hook.start();
        hook.join(300);
        assertThat(hook.isAlive()).as("hook waits for the trainer").isTrue();
        assertThat(s.requested()).isTrue();
        s.finished();
        hook.join(TimeUnit.SECONDS.toMillis(5));
        assertThat(hook.isAlive()).isFalse();
    }

    @Test
    void theHookDoesNotWaitWhenNoTrainingIsRunning() throws Exception {
        StopSignal s = new StopSignal();
        Thread hook = new Thread(s::onShutdown);
        hook.start();
        hook.join(TimeUnit.SECONDS.toMillis(5));
        assertThat(hook.isAlive()).isFalse();
    }

    @Test
    void theFirstReasonIsKept() {
        StopSignal s = new StopSignal();
        assertThat(s.requested()).isFalse();
        s.request("first");
        s.request("second");
        assertThat(s.reason()).isEqualTo("first");
    }
}
