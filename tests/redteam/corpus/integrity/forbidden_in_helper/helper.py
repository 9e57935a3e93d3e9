import pickle

dumps = pickle.dumps
