package dev.runner.spec;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The key tables of docs/experiment-files.md are the ones generated from the language's description. */
class KeyTablesTest {
    static final Path DOC = Path.of("docs/experiment-files.md");

    @Test
    void theDocsKeyTablesAreGeneratedFromTheDescription() throws IOException {
        String page = Files.readString(DOC);
        String filled = KeyTables.fill(page);
        if (!filled.equals(page)) {
            Path fresh = Files.createDirectories(Path.of("target")).resolve("experiment-files.md");
            Files.writeString(fresh, filled);
            assertThat(page).as("docs/experiment-files.md's key tables are stale; the regenerated page is "
                    + fresh + ": copy it over").isEqualTo(filled);
        }
        assertThat(KeyTables.marked(page)).containsExactlyInAnyOrderElementsOf(KeyTables.tables().keySet());
    }

    @Test
    void aTableShowsEachKeysTypeDefaultAndDescription() {
        String data = KeyTables.tables().get("data");
        assertThat(data).contains("| `batch_size` | integer 1..1048576 | `64` | training batch size |");
        String lrt = KeyTables.tables().get("lr_range_test");
        assertThat(lrt).contains("| `start_lr` | number > 0 | `1e-7` |").contains("| `smooth` | number in [0, 1) | `0.05` |");
        assertThat(KeyTables.tables().get("layers")).contains("| `dense` | `units` (integer 1..16777216, required;"
                + " shorthand `dense: value`)");
    }
}
