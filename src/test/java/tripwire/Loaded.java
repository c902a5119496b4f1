package tripwire;

/** Outside the runner's packages on purpose: loading this class leaves a trace (the system property). */
public final class Loaded {
    public static final String PROPERTY = "tripwire.loaded";

    static {
        System.setProperty(PROPERTY, "true");
    }

    private Loaded() {
    }
}
