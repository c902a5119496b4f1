package dev.runner.data;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ValidationSplitTest {
    /** 3 classes of 10, 20 and 7 images, 2 bytes each: byte 0 = the image's index, so images can be told apart. */
    static ImageSet set() {
        int[] counts = {10, 20, 7};
        List<Integer> labels = new ArrayList<>();
        for (int c = 0; c < 3; c++) {
            for (int i = 0; i < counts[c]; i++) {
                labels.add(c);
            }
        }
        java.util.Collections.shuffle(labels, new java.util.Random(3));
        byte[] px = new byte[2 * labels.size()];
        for (int i = 0; i < labels.size(); i++) {
            px[2 * i] = (byte) i;
            px[2 * i + 1] = (byte) (labels.get(i) * 50);
        }
        return new ImageSet(px, labels.stream().mapToInt(Integer::intValue).toArray(), 1, 1, 2, List.of("a", "b", "c"));
    }

    static Set<Integer> ids(ImageSet s) {
        Set<Integer> ids = new HashSet<>();
        for (int i = 0; i < s.size(); i++) {
            ids.add(s.pixels()[2 * i] & 0xFF);
            assertThat(s.pixels()[2 * i + 1] & 0xFF).isEqualTo(s.label(i) * 50);  // labels travel with images
        }
        return ids;
    }

    @Test
    void holdsOutEachClassesShareDisjointlyAndByTheSeedAlone() {
        ImageSet all = set();
        ValidationSplit.Sets s = ValidationSplit.split(all, 0.2, 5);
        int[] perClass = new int[3];
        for (int l : s.val().labels()) {
            perClass[l]++;
        }
        assertThat(perClass).containsExactly(2, 4, 1);       // round(0.2 * 10, 20, 7)
        assertThat(s.train().size() + s.val().size()).isEqualTo(all.size());
        Set<Integer> train = ids(s.train());
        Set<Integer> val = ids(s.val());
        assertThat(train).doesNotContainAnyElementsOf(val);
        Set<Integer> union = new HashSet<>(train);
        union.addAll(val);
        assertThat(union).hasSize(all.size());
        // both keep the original order
        assertThat(new ArrayList<>(idsInOrder(s.val()))).isSorted();
        assertThat(ids(ValidationSplit.split(all, 0.2, 5).val())).isEqualTo(val);
        assertThat(ids(ValidationSplit.split(all, 0.2, 6).val())).isNotEqualTo(val);
    }

    @Test
    void aClassKeepsAtLeastOneTrainingImageAndGivesAtLeastOne() {
        ValidationSplit.Sets s = ValidationSplit.split(set(), 0.01, 1);
        assertThat(s.val().size()).isEqualTo(3);              // one of each class, though 1 % rounds to 0
        ValidationSplit.Sets most = ValidationSplit.split(set(), 0.99, 1);
        assertThat(most.train().size()).isEqualTo(3);         // one of each class stays
    }

    static List<Integer> idsInOrder(ImageSet s) {
        List<Integer> l = new ArrayList<>();
        for (int i = 0; i < s.size(); i++) {
            l.add(s.pixels()[2 * i] & 0xFF);
        }
        return l;
    }
}
