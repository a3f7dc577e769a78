Network tiny {
	Layer c1 {
		Type: CONV
		Stride { X: 1, Y: 1 }
		Dimensions { K: 16, C: 8, R: 3, S: 3, Y: 10, X: 10 }
			Dataflow {
			SpatialMap(1,1) K;
			TemporalMap(1,1) C;
			TemporalMap(Sz(R),1) Y;
			TemporalMap(Sz(S),1) X;
			TemporalMap(Sz(R),Sz(R)) R;
			TemporalMap(Sz(S),Sz(S)) S;
		}
	}
	Layer c2 {
		Type: CONV
		Stride { X: 2, Y: 2 }
		Dimensions { K: 32, C: 16, R: 3, S: 3, Y: 9, X: 9 }
			Dataflow {
			SpatialMap(1,1) K;
			TemporalMap(1,1) C;
			TemporalMap(Sz(R),1) Y;
			TemporalMap(Sz(S),1) X;
			TemporalMap(Sz(R),Sz(R)) R;
			TemporalMap(Sz(S),Sz(S)) S;
		}
	}
	Layer fc {
		Type: CONV
		Dimensions { K: 10, C: 32, R: 1, S: 1, Y: 1, X: 1 }
		Dataflow {
			SpatialMap(1,1) K;
			TemporalMap(1,1) C;
			TemporalMap(Sz(R),1) Y;
			TemporalMap(Sz(S),1) X;
			TemporalMap(Sz(R),Sz(R)) R;
			TemporalMap(Sz(S),Sz(S)) S;
		}
	}
}
