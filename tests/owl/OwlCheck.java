// The OWL checks of tests/test_owl.py, on the OWL API 3 and HermiT that owlready2 ships in its
// HermiT.jar (no download, no build step: Java's single-file source launcher).
//   java -cp .../owlready2/hermit/HermiT.jar tests/owl/OwlCheck.java profile ONTOLOGY.ttl
//     one line per OWL 2 DL profile violation, then "violations: N"
//   java -cp .../owlready2/hermit/HermiT.jar tests/owl/OwlCheck.java consistent FILE.nt
//     the file checked by HermiT: "consistent" or "inconsistent" (one file, so that every
//     declaration types every use: a property read without its declaration would be read as an
//     annotation and ignored)
// xsd:gYear and xsd:gYearMonth (OWL-Time's and ours) are outside the OWL 2 datatype map: HermiT is
// told to leave the literals of such datatypes aside rather than stop.
import java.io.File;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.semanticweb.HermiT.Configuration;
import org.semanticweb.HermiT.Reasoner;
import org.semanticweb.owlapi.apibinding.OWLManager;
import org.semanticweb.owlapi.model.OWLOntology;
import org.semanticweb.owlapi.model.OWLOntologyManager;
import org.semanticweb.owlapi.profiles.OWL2DLProfile;
import org.semanticweb.owlapi.profiles.OWLProfileReport;
import org.semanticweb.owlapi.profiles.OWLProfileViolation;

public class OwlCheck {
    public static void main(String[] args) throws Exception {
        OWLOntologyManager manager = OWLManager.createOWLOntologyManager();
        if (args[0].equals("profile")) {
            OWLOntology ontology = manager.loadOntologyFromOntologyDocument(new File(args[1]));
            OWLProfileReport report = new OWL2DLProfile().checkOntology(ontology);
            List<String> lines = new ArrayList<>();
            for (OWLProfileViolation v : report.getViolations()) {
                lines.add(v.getClass().getSimpleName() + "\t" + v.toString().replace('\n', ' '));
            }
            Collections.sort(lines);
            for (String line : lines) System.out.println(line);
            System.out.println("violations: " + lines.size());
            return;
        }
        OWLOntology all = manager.loadOntologyFromOntologyDocument(new File(args[1]));
        Configuration configuration = new Configuration();
        configuration.ignoreUnsupportedDatatypes = true;
        boolean consistent = new Reasoner(configuration, all).isConsistent();
        System.out.println(consistent ? "consistent" : "inconsistent");
    }
}
